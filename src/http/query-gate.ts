import type express from 'express';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/config';
import { RateLimitedError } from '../errors/app-errors';
import type { KeyAuthenticator } from '../tenancy/key-cache';
import type { PresentedKey } from '../tenancy/key-secret';
import { documentSizeRefusal } from './document-precheck';
import { payerOf, type Payer, type RateLimits } from './rate-limits';

/** Query texts the gate remembers as let through, and the longest it remembers. */
const MAX_REMEMBERED = 500;
const MAX_REMEMBERED_CHARS = 4096;
/** What a request refused here costs its payer, so that a flood spends its budget quickly. */
export const REFUSAL_COST = 100;

/**
 * The payer of an HTTP request, with its tenant when this instance has the key cached. The address
 * is the socket's peer: Sentinel does not trust forwarding headers (docs/SECURITY.md).
 */
export function requestPayer(
  req: IncomingMessage,
  apiKey: PresentedKey | undefined,
  keys: KeyAuthenticator,
): Payer {
  const principal = keys.cached(apiKey);
  return payerOf(
    apiKey,
    req.socket.remoteAddress,
    principal?.kind === 'tenant' ? principal.tenantId : undefined,
  );
}

/**
 * The checks a /graphql request passes before Apollo parses and validates it. First, before the
 * body is even read: a payer whose key, tenant or address budget this instance has seen run out is
 * refused at once (no Redis call, no body parsing, no database work). Then, with the query text:
 * a document with too many tokens or aliases (validation is quadratic in aliased fields of one
 * name) is refused by one lexer pass that stops at the limit (documentSizeRefusal), and the
 * refusal is charged to its payer.
 */
export class QueryGate {
  // Query texts let through lately: a client repeating an operation is not checked here each
  // time (Apollo's document store spares it the second parse and the validation).
  private readonly passed = new Set<string>();

  constructor(
    private readonly config: Config,
    private readonly rateLimits: RateLimits,
  ) {}

  /** Throws RateLimitedError if the payer's budget ran out, as far as this instance has seen. */
  assertBudgetLeft(payer: Payer): void {
    this.rateLimits.assertBudgetLeft(payer);
  }

  /** Throws an AppError for a document too large to parse; a refusal costs REFUSAL_COST. */
  async check(query: unknown, payer: Payer): Promise<void> {
    if (typeof query !== 'string' || this.passed.has(query)) return;
    const refusal = documentSizeRefusal(query, this.config.limits.maxQueryAliases);
    if (refusal) {
      await this.rateLimits.charge(payer, REFUSAL_COST, false).catch(() => undefined);
      throw refusal;
    }
    if (query.length <= MAX_REMEMBERED_CHARS) {
      if (this.passed.size >= MAX_REMEMBERED) this.passed.clear();
      this.passed.add(query);
    }
  }
}

/**
 * For keyless pages (/status): each view spends `cost` points of the client address's budget, the
 * same budget keyless GraphQL spends, so the HTML route is no way around it.
 */
export function addressGate(rateLimits: RateLimits, cost: number): express.RequestHandler {
  return async (req, res, next) => {
    try {
      await rateLimits.charge(payerOf(undefined, req.socket.remoteAddress), cost);
      next();
    } catch (err) {
      if (!(err instanceof RateLimitedError)) return next(err);
      res.setHeader('retry-after', String(err.retryAfter));
      res.status(429).type('text/plain').send('Too many requests; retry later.\n');
    }
  };
}
