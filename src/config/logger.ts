import pino from 'pino';
import { logLevelFromEnv } from './config';

const options: pino.LoggerOptions = {
  level: logLevelFromEnv(),
  base: { service: 'sentinel', pid: process.pid },
  redact: ['req.headers.authorization', '*.apiKey', '*.password'],
};

/** JSON logs on stdout; the level comes from LOG_LEVEL (validated by src/config/config.ts). */
export const logger = pino(options);

/**
 * The API's access log (a line per request), written asynchronously: a synchronous write per
 * request was a third of the API's CPU under load (bench/graphql profile). Lines logged while a
 * write is in flight go out together; pino flushes the rest when the process exits. Everything
 * else stays synchronous, so CLI output and logs keep their order.
 */
export const accessLogger = pino(options, pino.destination({ dest: 1, sync: false }));

export type Logger = pino.Logger;
