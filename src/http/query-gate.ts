import type express from 'express';
import type { Config } from '../config/config';
import { AppError, RateLimitedError } from '../errors/app-errors';
import { keyFromAuthorization } from '../tenancy/authenticate';
import type { KeyAuthenticator } from '../tenancy/key-cache';
import { documentSizeRefusal } from './document-precheck';
import { payerOf, type Payer, type RateLimits } from './rate-limits';
import type { RefusalHold } from './refusal-hold';

/** Query texts the gate remembers as let through, and the longest it remembers. */
const MAX_REMEMBERED = 500;
const MAX_REMEMBERED_CHARS = 4096;
/** What a request refused here costs its payer, so that a flood spends its budget quickly. */
export const REFUSAL_COST = 100;

/** The payer of an HTTP request, with its tenant when this instance has the key cached. */
export function requestPayer(req: express.Request, keys: KeyAuthenticator): Payer {
  const apiKey = keyFromAuthorization(req.headers.authorization);
  const principal = keys.cached(apiKey);
  return payerOf(
    apiKey,
    req.ip ?? req.socket.remoteAddress,
    principal?.kind === 'tenant' ? principal.tenantId : undefined,
  );
}

/**
 * Before the body is even read: a payer whose key, tenant or address budget this instance has
 * seen run out gets 429 (no Redis call, no body parsing, no database work), held back a moment
 * first (RefusalHold) so that a client retrying without pause cannot make hundreds of them a
 * second. The unread body is not drained: the connection closes.
 */
export function budgetGate(
  rateLimits: RateLimits,
  keys: KeyAuthenticator,
  hold: RefusalHold,
): express.RequestHandler {
  return async (req, res, next) => {
    try {
      rateLimits.assertBudgetLeft(requestPayer(req, keys));
    } catch (err) {
      if (!(err instanceof RateLimitedError)) return next(err);
      const held = await hold.wait(req, err.retryAfter * 1000);
      if (req.socket.destroyed) return;
      res.setHeader('retry-after', String(Math.max(1, Math.ceil(err.retryAfter - held / 1000))));
      res.setHeader('connection', 'close');
      res.status(429).json({
        errors: [{ message: err.message, extensions: { code: err.code, ...err.details } }],
      });
      return;
    }
    next();
  };
}

/**
 * Before Apollo parses and validates a /graphql request (validation is quadratic in aliased
 * fields of one name): a document with too many tokens or aliases is refused by one lexer pass
 * that stops at the limit (documentSizeRefusal), and the refusal is charged to its payer.
 */
export function queryGate(
  config: Config,
  rateLimits: RateLimits,
  keys: KeyAuthenticator,
): express.RequestHandler {
  // Query texts let through lately: a client repeating an operation is not checked here each
  // time (Apollo's document store spares it the second parse and the validation).
  const passed = new Set<string>();
  return async (req, res, next) => {
    const payer = requestPayer(req, keys);
    try {
      const query =
        req.method === 'GET'
          ? req.query.query
          : (req.body as { query?: unknown } | undefined)?.query;
      if (typeof query === 'string' && !passed.has(query)) {
        const refusal = documentSizeRefusal(query, config.limits.maxQueryAliases);
        if (refusal) throw refusal;
        if (query.length <= MAX_REMEMBERED_CHARS) {
          if (passed.size >= MAX_REMEMBERED) passed.clear();
          passed.add(query);
        }
      }
      next();
    } catch (err) {
      if (!(err instanceof AppError)) return next(err);
      if (!(err instanceof RateLimitedError))
        await rateLimits.charge(payer, REFUSAL_COST).catch(() => undefined);
      if (err instanceof RateLimitedError) res.setHeader('retry-after', String(err.retryAfter));
      res.status(err instanceof RateLimitedError ? 429 : 400).json({
        errors: [{ message: err.message, extensions: { code: err.code, ...err.details } }],
      });
    }
  };
}

/**
 * For keyless pages (/status): each view spends `cost` points of the client address's budget, the
 * same budget keyless GraphQL spends, so the HTML route is no way around it.
 */
export function addressGate(rateLimits: RateLimits, cost: number): express.RequestHandler {
  return async (req, res, next) => {
    try {
      await rateLimits.charge(payerOf(undefined, req.ip ?? req.socket.remoteAddress), cost);
      next();
    } catch (err) {
      if (!(err instanceof RateLimitedError)) return next(err);
      res.setHeader('retry-after', String(err.retryAfter));
      res.status(429).type('text/plain').send('Too many requests; retry later.\n');
    }
  };
}
