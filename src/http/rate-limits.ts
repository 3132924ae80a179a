import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../errors/app-errors';
import { queuePrefix } from '../jobs/queues';
import type { Principal } from '../tenancy/principal';

export interface RateLimitSettings {
  /** Query-cost points one API key may spend per minute. */
  rateLimitKeyPointsPerMinute: number;
  /** Query-cost points one client IP may spend per minute (keyless requests included). */
  rateLimitIpPointsPerMinute: number;
}

/**
 * Per-key and per-IP budgets of query-cost points per minute, kept in Redis so that they hold
 * across API instances (rate-limiter-flexible, atomic per request). Each operation spends its
 * cost, so one expensive request uses the budget of many cheap ones. If Redis is unreachable an
 * in-process budget of the same size stands in (per instance, rather than no limit at all).
 */
export class RateLimits {
  private readonly perKey: RateLimiterRedis;
  private readonly perIp: RateLimiterRedis;

  constructor(redis: Redis, settings: RateLimitSettings) {
    const limiter = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${queuePrefix()}:rate:${name}`,
        points,
        duration: 60,
        insuranceLimiter: new RateLimiterMemory({ points, duration: 60 }),
      });
    this.perKey = limiter('key', settings.rateLimitKeyPointsPerMinute);
    this.perIp = limiter('ip', settings.rateLimitIpPointsPerMinute);
  }

  /** Spends `cost` points of the caller's key and IP budgets, or throws RateLimitedError (429). */
  async charge(principal: Principal | null, ip: string | undefined, cost: number): Promise<void> {
    const points = Math.max(1, Math.ceil(cost));
    let budget = 'key';
    try {
      if (principal) await this.perKey.consume(principal.keyId ?? 'platform-env', points);
      budget = 'address';
      await this.perIp.consume(ip ?? 'unknown', points);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      throw new RateLimitedError(
        `Too many requests (or too costly ones) for this ${budget}; retry later.`,
        err.msBeforeNext / 1000,
        { budget },
      );
    }
  }
}
