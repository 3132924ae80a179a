import pino from 'pino';

/** JSON logs on stdout; the level comes from LOG_LEVEL. */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'sentinel', pid: process.pid },
  redact: ['req.headers.authorization', '*.apiKey', '*.password'],
});

export type Logger = pino.Logger;
