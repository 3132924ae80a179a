import express from 'express';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import {
  AppError,
  BadInputError,
  ErrorCode,
  MissingScopeError,
  RateLimitedError,
  UnauthenticatedError,
  UnavailableError,
} from '../errors/app-errors';
import { asUnavailable } from '../errors/unavailable';
import type { ApiQueues } from '../jobs/api-queues';
import { enqueueRollups } from '../jobs/rollup-jobs';
import { BodyTooLargeError, bulkIngest, UploadTimeoutError } from '../telemetry/bulk-ingest';
import { formatOf } from '../telemetry/parse-body';
import { keyFromAuthorization } from '../tenancy/authenticate';
import type { KeyAuthenticator } from '../tenancy/key-cache';
import { satisfies } from '../tenancy/principal';
import { payerOf, type RateLimits } from './rate-limits';

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
};

/** Uploads in progress per tenant in this process: one tenant cannot take every upload slot. */
class UploadSlots {
  private readonly inUse = new Map<string, number>();
  constructor(private readonly perTenant: number) {}

  take(tenantId: string): () => void {
    const used = this.inUse.get(tenantId) ?? 0;
    if (used >= this.perTenant)
      throw new RateLimitedError(
        `At most ${this.perTenant} uploads of one tenant at a time; retry when one finishes.`,
        5,
      );
    this.inUse.set(tenantId, used + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inUse.get(tenantId) ?? 1) - 1;
      if (left === 0) this.inUse.delete(tenantId);
      else this.inUse.set(tenantId, left);
    };
  }
}

/**
 * POST /ingest?batchId=<id> with an NDJSON (application/x-ndjson) or CSV (text/csv) body: the
 * bulk path, streamed into PostgreSQL with COPY. Answers like `ingestSamples`. Domain errors
 * become `{ errors: [{ message, extensions: { code } }] }` with a matching HTTP status.
 */
export function ingestRoute(deps: {
  config: Config;
  dataSource: DataSource;
  queues: ApiQueues;
  logger: Logger;
  keys: KeyAuthenticator;
  rateLimits: RateLimits;
}): express.RequestHandler {
  const slots = new UploadSlots(deps.config.limits.ingestConcurrencyPerTenant);
  return async (req, res, next) => {
    let release = () => {};
    try {
      const apiKey = keyFromAuthorization(req.headers.authorization);
      const principal = await deps.keys.authenticate(apiKey);
      if (!principal) throw new UnauthenticatedError();
      if (principal.kind !== 'tenant' || !satisfies(principal, ['ingest']))
        throw new MissingScopeError(['ingest']);
      // Uploads draw on the same budgets as GraphQL: a spent key or tenant is refused here.
      const payer = payerOf(apiKey, req.socket.remoteAddress, principal.tenantId);
      deps.rateLimits.assertBudgetLeft(payer);
      const batchId = String(req.query.batchId ?? req.headers['idempotency-key'] ?? '');
      if (batchId.length < 1 || batchId.length > 200) {
        throw new BadInputError([
          { field: 'batchId', message: 'give ?batchId= (or Idempotency-Key), 1-200 characters' },
        ]);
      }
      const format = formatOf(req.headers['content-type']);
      if (!format) {
        res.status(415);
        throw new BadInputError([
          { field: 'content-type', message: 'send application/x-ndjson or text/csv' },
        ]);
      }
      release = slots.take(principal.tenantId);
      const limits = deps.config.limits;
      const { outcome, touched } = await bulkIngest({
        dataSource: deps.dataSource,
        tenantId: principal.tenantId,
        batchId,
        body: req,
        format,
        maxBytes: limits.maxIngestBytes,
        maxLineBytes: limits.maxIngestLineBytes,
        idleTimeoutMs: limits.ingestIdleTimeoutMs,
        deadline: Date.now() + limits.ingestRequestTimeoutMs,
        ...deps.config.telemetry,
      });
      await enqueueRollups(deps.queues.rollups, principal.tenantId, touched);
      // A point per ten rows read, as `ingestSamples` costs. Charged once the batch is stored
      // (its size is known only then): a budget it spends refuses the next upload, not this one.
      const rows = outcome.accepted + outcome.rejected;
      await deps.rateLimits.charge(payer, Math.ceil(rows / 10)).catch(() => undefined);
      res.json(outcome);
    } catch (caught) {
      const err = asUnavailable(caught) ?? caught;
      // The client went away mid-upload: the batch was rolled back and nobody is left to answer.
      if (req.destroyed && !(err instanceof AppError)) {
        deps.logger.info(
          { batchId: req.query.batchId },
          'ingest upload aborted by the client; batch rolled back',
        );
        return;
      }
      if (!(err instanceof AppError)) return next(err);
      if (res.statusCode < 400)
        res.status(
          err instanceof BodyTooLargeError
            ? 413
            : err instanceof UploadTimeoutError
              ? 408
              : (STATUS[err.code] ?? 400),
        );
      if (err instanceof RateLimitedError || err instanceof UnavailableError)
        res.setHeader('retry-after', String(err.retryAfter));
      // Unread body bytes would otherwise keep arriving; the answer is final.
      res.setHeader('connection', 'close');
      res.json({
        errors: [{ message: err.message, extensions: { code: err.code, ...err.details } }],
      });
    } finally {
      release();
    }
  };
}
