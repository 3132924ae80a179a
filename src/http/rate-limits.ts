import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../errors/app-errors';
import { queuePrefix } from '../jobs/queues';

export interface RateLimitSettings {
  /** Query-cost points one API key may spend per minute (RATE_LIMIT_KEY_POINTS). */
  rateLimitKeyPointsPerMinute: number;
  /** Query-cost points all keys of one tenant may spend together per minute (RATE_LIMIT_TENANT_POINTS). */
  rateLimitTenantPointsPerMinute: number;
  /** Query-cost points one client IP may spend per minute on keyless requests (RATE_LIMIT_IP_POINTS). */
  rateLimitIpPointsPerMinute: number;
  /** Query-cost points one client IP may spend per minute on keyed requests; 0: no such limit (RATE_LIMIT_IP_KEYED_POINTS). */
  rateLimitIpKeyedPointsPerMinute: number;
  /** Each budget is also spread over windows this long; 60: no spreading (RATE_LIMIT_BURST_SECONDS). */
  rateLimitBurstSeconds: number;
  /** The most one operation may cost (MAX_QUERY_COST): a window always admits one such. */
  maxQueryCost: number;
}

/**
 * Who pays for a request. A keyed request pays from its key's budget (the key by hash, so no
 * database lookup is needed to refuse a spent key), its tenant's budget, which all the tenant's
 * keys share (so more keys buy no more work), and a generous budget of its client address (so
 * that one address cannot multiply budgets with many keys or tenants either). A keyless request
 * pays from its address's keyless budget. The tenant is unknown for a key not yet authenticated
 * (not in this instance's key cache): its request is charged to it once it is.
 */
export interface Payer {
  /** SHA-256 prefix of the presented key; absent for keyless requests. */
  keyHash?: string;
  /** The key's tenant, once known; platform and unknown keys have none. */
  tenantId?: string;
  address: string;
}

export function payerOf(
  apiKey: string | undefined,
  address: string | undefined,
  tenantId?: string,
): Payer {
  return {
    keyHash: apiKey
      ? crypto.createHash('sha256').update(apiKey).digest('hex').slice(0, 32)
      : undefined,
    tenantId: apiKey ? tenantId : undefined,
    address: address ?? 'unknown',
  };
}

type Budget = 'key' | 'tenant' | 'address';

/**
 * Budgets of query-cost points per minute, kept in Redis so that they hold across API instances
 * (rate-limiter-flexible, atomic). Each operation spends its cost from every budget its payer
 * has, so one expensive request uses the budget of many cheap ones; a refused one (too costly)
 * spends what it asked for. If Redis is unreachable an in-process budget of the same size
 * stands in.
 *
 * A budget this instance has seen run out is remembered until it refills, so the payer's next
 * requests are refused without asking Redis (a flood of them costs no Redis calls at all); on
 * another instance, the first request after the budget ran out is charged and refused there.
 */
export class RateLimits {
  /** Budgets seen spent, by limiter prefix and id: when they refill (epoch ms). */
  private readonly spentUntil = new Map<string, { budget: Budget; until: number }>();
  private readonly key: RateLimiterRedis[];
  private readonly tenant: RateLimiterRedis[];
  private readonly keylessAddress: RateLimiterRedis[];
  private readonly keyedAddress: RateLimiterRedis[];

  constructor(redis: Redis, settings: RateLimitSettings) {
    const limiter = (name: string, points: number, duration: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${queuePrefix()}:rate:${name}`,
        points,
        duration,
        insuranceLimiter: new RateLimiterMemory({ points, duration }),
      });
    // A budget per minute, and the same budget spread over shorter windows: a minute's points
    // spent in one second (six of the costliest operations at once) would take the shared cores
    // from every other tenant for that second; spread, the same points buy the same work a
    // window at a time. A window always admits the costliest single operation.
    const burst = settings.rateLimitBurstSeconds;
    const budget = (name: string, points: number): RateLimiterRedis[] => {
      const minute = limiter(name, points, 60);
      if (burst >= 60) return [minute];
      const windowPoints = Math.max(
        Math.ceil((points * burst) / 60),
        Math.min(points, settings.maxQueryCost),
      );
      return [minute, limiter(`${name}:${burst}s`, windowPoints, burst)];
    };
    this.key = budget('key', settings.rateLimitKeyPointsPerMinute);
    this.tenant = budget('tenant', settings.rateLimitTenantPointsPerMinute);
    this.keylessAddress = budget('ip', settings.rateLimitIpPointsPerMinute);
    this.keyedAddress =
      settings.rateLimitIpKeyedPointsPerMinute > 0
        ? budget('ip-keyed', settings.rateLimitIpKeyedPointsPerMinute)
        : [];
  }

  /**
   * Spends `cost` points of each of the payer's budgets, or throws RateLimitedError (429).
   * `runs`: the operation will run. Only work that runs is paced by the short windows; a refused
   * operation spends its points of the per-minute budgets alone (a flood of refusals still runs
   * them out), so that one mistaken too-costly request does not lock its key for a window.
   */
  async charge(payer: Payer, cost: number, runs = true): Promise<void> {
    const points = Math.max(1, Math.ceil(cost));
    const budgets = this.budgetsOf(payer).filter(([, limiter]) => runs || !this.paces(limiter));
    const outcomes = await Promise.allSettled(
      budgets.map(async ([budget, limiter, id]) => {
        try {
          await limiter.consume(id, points);
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err;
          this.remember(budget, `${limiter.keyPrefix}:${id}`, err.msBeforeNext);
          return { budget, msBeforeNext: err.msBeforeNext };
        }
        return undefined;
      }),
    );
    const spent: Array<{ budget: Budget; msBeforeNext: number }> = [];
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') throw outcome.reason;
      if (outcome.value) spent.push(outcome.value);
    }
    if (spent.length > 0) throw this.refusal(spent);
  }

  /**
   * Throws RateLimitedError if one of the payer's budgets ran out, as far as this instance has
   * seen (spends nothing, asks nothing of Redis).
   */
  assertBudgetLeft(payer: Payer): void {
    const now = Date.now();
    const spent: Array<{ budget: Budget; msBeforeNext: number }> = [];
    for (const [budget, limiter, id] of this.budgetsOf(payer)) {
      const seen = this.spentUntil.get(`${limiter.keyPrefix}:${id}`);
      if (seen && seen.until > now) spent.push({ budget, msBeforeNext: seen.until - now });
    }
    if (spent.length > 0) throw this.refusal(spent);
  }

  private remember(budget: Budget, name: string, msBeforeNext: number): void {
    const now = Date.now();
    this.spentUntil.set(name, { budget, until: now + msBeforeNext });
    if (this.spentUntil.size > 10_000)
      for (const [name, seen] of this.spentUntil)
        if (seen.until <= now) this.spentUntil.delete(name);
  }

  /** Whether the limiter is one of the short pacing windows (not a per-minute budget). */
  private paces(limiter: RateLimiterRedis): boolean {
    return limiter.duration < 60;
  }

  private budgetsOf(payer: Payer): Array<[Budget, RateLimiterRedis, string]> {
    const of = (budget: Budget, limiters: RateLimiterRedis[], id: string) =>
      limiters.map((limiter): [Budget, RateLimiterRedis, string] => [budget, limiter, id]);
    if (!payer.keyHash) return of('address', this.keylessAddress, payer.address);
    return [
      ...of('key', this.key, payer.keyHash),
      ...(payer.tenantId ? of('tenant', this.tenant, payer.tenantId) : []),
      ...of('address', this.keyedAddress, payer.address),
    ];
  }

  /** The refusal names the budget that frees up last, and waits for it. */
  private refusal(spent: Array<{ budget: Budget; msBeforeNext: number }>): RateLimitedError {
    const last = spent.reduce((a, b) => (b.msBeforeNext > a.msBeforeNext ? b : a));
    return new RateLimitedError(
      `Too many requests (or too costly ones) for this ${last.budget === 'address' ? 'client address' : last.budget}; retry later.`,
      last.msBeforeNext / 1000,
      { budget: last.budget },
    );
  }
}
