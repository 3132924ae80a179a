import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../errors/app-errors';
import { queuePrefix } from '../jobs/queues';

export interface RateLimitSettings {
  /** Query-cost points one API key may spend per minute. */
  rateLimitKeyPointsPerMinute: number;
  /** Query-cost points one client IP may spend per minute on keyless requests (statusPage). */
  rateLimitIpPointsPerMinute: number;
}

/**
 * Who pays for a request: its API key (by hash, so no database lookup is needed to refuse a
 * spent key), or for keyless requests the client's address. A key is the identity when there is
 * one, so clients behind one NAT do not spend each other's budget.
 */
export type Payer = { kind: 'key'; id: string } | { kind: 'address'; id: string };

export function payerOf(apiKey: string | undefined, address: string | undefined): Payer {
  return apiKey
    ? { kind: 'key', id: crypto.createHash('sha256').update(apiKey).digest('hex').slice(0, 32) }
    : { kind: 'address', id: address ?? 'unknown' };
}

/**
 * Budgets of query-cost points per minute, per key and per address, kept in Redis so that they
 * hold across API instances (rate-limiter-flexible, atomic). Each operation spends its cost, so
 * one expensive request uses the budget of many cheap ones; a refused one (too costly) spends
 * what it asked for. If Redis is unreachable an in-process budget of the same size stands in.
 */
export class RateLimits {
  private readonly limiters: Record<Payer['kind'], RateLimiterRedis>;

  constructor(redis: Redis, settings: RateLimitSettings) {
    const limiter = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${queuePrefix()}:rate:${name}`,
        points,
        duration: 60,
        insuranceLimiter: new RateLimiterMemory({ points, duration: 60 }),
      });
    this.limiters = {
      key: limiter('key', settings.rateLimitKeyPointsPerMinute),
      address: limiter('ip', settings.rateLimitIpPointsPerMinute),
    };
  }

  /** Spends `cost` points of the payer's budget, or throws RateLimitedError (429). */
  async charge(payer: Payer, cost: number): Promise<void> {
    try {
      await this.limiters[payer.kind].consume(payer.id, Math.max(1, Math.ceil(cost)));
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      throw this.refusal(payer, err.msBeforeNext);
    }
  }

  /** Throws RateLimitedError if the payer's budget is spent already (spends nothing). */
  async assertBudgetLeft(payer: Payer): Promise<void> {
    const limiter = this.limiters[payer.kind];
    const state = await limiter.get(payer.id).catch(() => null);
    if (state && state.consumedPoints >= limiter.points)
      throw this.refusal(payer, state.msBeforeNext);
  }

  private refusal(payer: Payer, msBeforeNext: number): RateLimitedError {
    return new RateLimitedError(
      `Too many requests (or too costly ones) for this ${payer.kind}; retry later.`,
      msBeforeNext / 1000,
      { budget: payer.kind },
    );
  }
}
