import type express from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../config/logger';
import { ErrorCode } from '../errors/app-errors';
import { httpRequestDuration, metricsRegistry } from './metrics';
import { requestIdFrom, runWithRequestId } from './request-id';

const KNOWN_ROUTES = new Set([
  '/graphql',
  '/ingest',
  '/healthz',
  '/healthz/graphql',
  '/readyz',
  '/metrics',
  '/metrics/tenant',
  '/',
  '/status',
]);

/**
 * Routes whose latency is Sentinel's own service level. Not health checks or scrapes, and not
 * /ingest, whose latency grows with the upload and would read as an SLA breach.
 */
const SERVED_ROUTES = new Set(['/graphql']);

/**
 * Request id, access log and latency histogram for every request; served ones also to `record`.
 * Plain node:http, in front of every route (express's and /graphql's own).
 */
export function observeRequests(
  logger: Logger,
  record: (latencyMs: number, status: number) => void,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Unknown paths share one label, so scanners cannot blow up the metric's cardinality.
      // originalUrl: by now a mounted express router may have cut req.url down to its own part.
      const path = ((req as Partial<express.Request>).originalUrl ?? req.url ?? '').split('?')[0]!;
      const route = KNOWN_ROUTES.has(path) ? path : 'other';
      httpRequestDuration.observe(
        { method: req.method, route, status: String(res.statusCode) },
        seconds,
      );
      if (SERVED_ROUTES.has(route)) record(seconds * 1000, res.statusCode);
      logger.info(
        {
          requestId,
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
        },
        'request',
      );
    });
    runWithRequestId(requestId, next);
  };
}

export function metricsRoute(): express.RequestHandler {
  return async (_req, res) => {
    res.setHeader('content-type', metricsRegistry.contentType);
    res.send(await metricsRegistry.metrics());
  };
}

/** An error thrown by a body parser (http-errors: status, type) or anything else. */
export interface HttpError {
  status?: number;
  type?: string;
  message?: string;
}

/**
 * Body parser failures (too large, not JSON) in GraphQL's error shape with our codes; anything
 * else is a masked 500, logged.
 */
export function httpErrorAnswer(
  err: HttpError,
  logger: Logger,
): { status: number; body: { errors: unknown[] } } {
  const status = err.status ?? 500;
  if (status >= 500) logger.error({ err }, 'unhandled http error');
  const message =
    err.type === 'entity.too.large'
      ? 'Request body is larger than the limit.'
      : status >= 500
        ? 'Internal server error'
        : (err.message ?? 'Bad request');
  return {
    status,
    body: {
      errors: [
        {
          message,
          extensions: {
            code: status >= 500 ? ErrorCode.INTERNAL : ErrorCode.BAD_USER_INPUT,
            reason: err.type,
          },
        },
      ],
    },
  };
}

export function jsonErrorHandler(logger: Logger): express.ErrorRequestHandler {
  return (err: HttpError, _req, res, _next) => {
    const { status, body } = httpErrorAnswer(err, logger);
    res.status(status).json(body);
  };
}
