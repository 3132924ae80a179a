import pino from 'pino';
import { logLevelFromEnv } from './config';
import { formatLogLine } from './human-log';

/**
 * Where log lines go: JSON on stdout for the services (`start`, `api`, `worker`) and with
 * `--json`; readable lines on stderr for the CLI's one-shot commands, whose stdout is for results.
 */
let format: 'json' | 'human' = 'json';

/** The CLI's one-shot commands call this before they log anything. */
export function useHumanLogs(): void {
  format = 'human';
}

const destination = {
  write(line: string): void {
    if (format === 'json') process.stdout.write(line);
    else process.stderr.write(formatLogLine(line));
  },
};

/** The level comes from LOG_LEVEL (validated by src/config/config.ts). */
export const logger = pino(
  {
    level: logLevelFromEnv(),
    base: { service: 'sentinel', pid: process.pid },
    redact: ['req.headers.authorization', '*.apiKey', '*.password'],
  },
  destination,
);

export type Logger = pino.Logger;
