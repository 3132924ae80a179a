import express from 'express';
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

/** Request id, access log and latency histogram for every request; served ones also to `record`. */
export function observeRequests(
  logger: Logger,
  record: (latencyMs: number, status: number) => void,
): express.RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Unknown paths share one label, so scanners cannot blow up the metric's cardinality.
      // originalUrl: by now a mounted router may have cut req.path down to its own part.
      const path = req.originalUrl.split('?')[0] ?? '';
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

/** Body parser failures (too large, not JSON) answered in GraphQL's error shape with our codes. */
export function jsonErrorHandler(logger: Logger): express.ErrorRequestHandler {
  return (err: { status?: number; type?: string; message?: string }, _req, res, _next) => {
    const status = err.status ?? 500;
    if (status >= 500) logger.error({ err }, 'unhandled http error');
    const message =
      err.type === 'entity.too.large'
        ? 'Request body is larger than the limit.'
        : status >= 500
          ? 'Internal server error'
          : (err.message ?? 'Bad request');
    res.status(status).json({
      errors: [
        {
          message,
          extensions: {
            code: status >= 500 ? ErrorCode.INTERNAL : ErrorCode.BAD_USER_INPUT,
            reason: err.type,
          },
        },
      ],
    });
  };
}
