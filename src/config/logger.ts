import pino from 'pino';
import { logLevelFromEnv } from './config';

/** JSON logs on stdout; the level comes from LOG_LEVEL (validated by src/config/config.ts). */
export const logger = pino({
  level: logLevelFromEnv(),
  base: { service: 'sentinel', pid: process.pid },
  redact: ['req.headers.authorization', '*.apiKey', '*.password'],
});

export type Logger = pino.Logger;
