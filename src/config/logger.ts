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

const options: pino.LoggerOptions = {
  level: logLevelFromEnv(),
  base: { service: 'sentinel', pid: process.pid },
  redact: ['req.headers.authorization', '*.apiKey', '*.password'],
};

/** The level comes from LOG_LEVEL (validated by src/config/config.ts). */
export const logger = pino(options, destination);

/**
 * The API's access log (a line per request), written asynchronously: a synchronous write per
 * request was a third of the API's CPU under load (bench/graphql profile). Lines logged while a
 * write is in flight go out together; pino flushes the rest when the process exits. Everything
 * else stays synchronous, so CLI output and logs keep their order. Only the API (a service, JSON
 * on stdout) uses it.
 */
export const accessLogger = pino(options, pino.destination({ dest: 1, sync: false }));

export type Logger = pino.Logger;
