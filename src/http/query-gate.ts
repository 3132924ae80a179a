import type express from 'express';
import { GraphQLError, Kind, parse, visit, type DocumentNode } from 'graphql';
import type { Config } from '../config/config';
import { AppError, BadInputError, RateLimitedError } from '../errors/app-errors';
import { keyFromAuthorization } from '../tenancy/authenticate';
import { payerOf, type RateLimits } from './rate-limits';

/** Tokens one document may have; graphql-js stops parsing past it (linear work, bounded). */
export const MAX_TOKENS = 20_000;
/** Query texts the gate remembers as let through, and the longest it remembers. */
const MAX_REMEMBERED = 500;
const MAX_REMEMBERED_CHARS = 4096;
/** What a request refused here costs its payer, so that a flood spends its budget quickly. */
const REFUSAL_COST = 100;

/** Aliased fields in a document (each alias is another execution of its field). */
export function aliasCount(document: DocumentNode): number {
  let aliases = 0;
  visit(document, {
    [Kind.FIELD]: (node) => {
      if (node.alias) aliases++;
    },
  });
  return aliases;
}

/** The refusal for a document with too many aliases, or undefined. */
export function aliasRefusal(
  document: DocumentNode,
  maxAliases: number,
): BadInputError | undefined {
  const aliases = aliasCount(document);
  if (aliases <= maxAliases) return undefined;
  return new BadInputError(
    [{ field: 'query', message: `${aliases} aliases; at most ${maxAliases} per operation` }],
    'TOO_MANY_ALIASES',
  );
}

/**
 * Before the body is even read: a payer whose budget is spent gets 429 at once (one Redis read,
 * no body parsing, no database work). The unread body is not drained: the connection closes.
 */
export function budgetGate(rateLimits: RateLimits): express.RequestHandler {
  return async (req, res, next) => {
    const payer = payerOf(
      keyFromAuthorization(req.headers.authorization),
      req.ip ?? req.socket.remoteAddress,
    );
    try {
      await rateLimits.assertBudgetLeft(payer);
      next();
    } catch (err) {
      if (!(err instanceof RateLimitedError)) return next(err);
      res.setHeader('retry-after', String(err.retryAfter));
      res.setHeader('connection', 'close');
      res.status(429).json({
        errors: [{ message: err.message, extensions: { code: err.code, ...err.details } }],
      });
    }
  };
}

/**
 * Before Apollo parses and validates a /graphql request (validation is quadratic in aliased
 * fields of one name): a document with too many tokens or aliases is refused after one bounded,
 * linear parse, and the refusal is charged to its payer.
 */
export function queryGate(config: Config, rateLimits: RateLimits): express.RequestHandler {
  // Query texts let through lately: a client repeating an operation is not parsed here each time
  // (Apollo's document store spares it the second parse and the validation).
  const passed = new Set<string>();
  return async (req, res, next) => {
    const payer = payerOf(
      keyFromAuthorization(req.headers.authorization),
      req.ip ?? req.socket.remoteAddress,
    );
    try {
      const query =
        req.method === 'GET'
          ? req.query.query
          : (req.body as { query?: unknown } | undefined)?.query;
      if (typeof query === 'string' && !passed.has(query)) {
        let document: DocumentNode | undefined;
        try {
          document = parse(query, { maxTokens: MAX_TOKENS });
        } catch (err) {
          // Too many tokens is ours to refuse; other syntax errors Apollo reports as usual.
          if (err instanceof GraphQLError && query.length > MAX_TOKENS)
            throw new BadInputError([{ field: 'query', message: err.message }], 'QUERY_TOO_LARGE');
        }
        const refusal = document && aliasRefusal(document, config.limits.maxQueryAliases);
        if (refusal) throw refusal;
        if (document && query.length <= MAX_REMEMBERED_CHARS) {
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
