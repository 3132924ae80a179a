/** pino's numeric levels, by name as people read them. */
const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
/** Fields every line carries, which say nothing to a person at a terminal. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);

function show(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (value && typeof value === 'object' && 'message' in value)
    return JSON.stringify((value as { message: unknown }).message);
  return JSON.stringify(value);
}

/**
 * One pino JSON line as a person reads it: `12:00:01 warn  message key=value`. Lines that are not
 * JSON pass through unchanged.
 */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time =
    typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 19) : '';
  const level = (LEVELS[Number(entry.level)] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${show(value)}`);
  return `${[time, level, String(entry.msg ?? ''), ...fields].filter(Boolean).join(' ')}\n`;
}
