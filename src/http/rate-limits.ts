import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../errors/app-errors';
import { queuePrefix } from '../jobs/queues';
import type { PresentedKey } from '../tenancy/key-secret';
import { RedisCounters, type WindowCount } from './redis-counters';

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
  apiKey: PresentedKey | undefined,
  address: string | undefined,
  tenantId?: string,
): Payer {
  return {
    keyHash: apiKey?.hash.toString('hex', 0, 16),
    tenantId: apiKey ? tenantId : undefined,
    address: address ?? 'unknown',
  };
}

type Budget = 'key' | 'tenant' | 'address';

/**
 * One budget's counter over windows of `seconds`: `points` may be spent per window. Counted in
 * Redis (shared by every API instance); `memory` stands in while Redis cannot be reached.
 */
interface BudgetWindow {
  budget: Budget;
  /** Redis key prefix; the payer's id follows it. */
  prefix: string;
  points: number;
  seconds: number;
  memory: RateLimiterMemory;
}

/** A budget found spent, and how long until it refills. */
interface Exhausted {
  budget: Budget;
  msBeforeNext: number;
}

/**
 * Budgets of query-cost points per minute, kept in Redis so that they hold across API instances.
 * Each operation spends its cost from every budget its payer has, so one expensive request uses
 * the budget of many cheap ones; a refused one (too costly) spends what it asked for. All of a
 * charge's counters are spent in one atomic Redis call (a script), shared with the charges of
 * other requests made meanwhile (RedisCounters): a call per counter was six round trips per
 * request and, under load, a tenth of the API's CPU (docs/DECISIONS.md). If Redis cannot be
 * reached, in-process counters of the same size (rate-limiter-flexible) stand in.
 *
 * A budget this instance has seen run out is remembered until it refills, so the payer's next
 * requests are refused without asking Redis (a flood of them costs no Redis calls at all); on
 * another instance, the first request after the budget ran out is charged and refused there.
 */
export class RateLimits {
  /** Budgets seen spent, by window prefix and id: when they refill (epoch ms). */
  private readonly spentUntil = new Map<string, { budget: Budget; until: number }>();
  private readonly key: BudgetWindow[];
  private readonly tenant: BudgetWindow[];
  private readonly keylessAddress: BudgetWindow[];
  private readonly keyedAddress: BudgetWindow[];
  private readonly counters: RedisCounters;

  constructor(redis: Redis, settings: RateLimitSettings) {
    this.counters = new RedisCounters(redis);
    const window = (budget: Budget, name: string, points: number, seconds: number) => ({
      budget,
      prefix: `${queuePrefix()}:rate:${name}`,
      points,
      seconds,
      memory: new RateLimiterMemory({ points, duration: seconds }),
    });
    // A budget per minute, and the same budget spread over shorter windows: a minute's points
    // spent in one second (six of the costliest operations at once) would take the shared cores
    // from every other tenant for that second; spread, the same points buy the same work a
    // window at a time. A window always admits the costliest single operation.
    const burst = settings.rateLimitBurstSeconds;
    const windowsFor = (budget: Budget, name: string, points: number): BudgetWindow[] => {
      const minute = window(budget, name, points, 60);
      if (burst >= 60) return [minute];
      const windowPoints = Math.max(
        Math.ceil((points * burst) / 60),
        Math.min(points, settings.maxQueryCost),
      );
      return [minute, window(budget, `${name}:${burst}s`, windowPoints, burst)];
    };
    this.key = windowsFor('key', 'key', settings.rateLimitKeyPointsPerMinute);
    this.tenant = windowsFor('tenant', 'tenant', settings.rateLimitTenantPointsPerMinute);
    this.keylessAddress = windowsFor('address', 'ip', settings.rateLimitIpPointsPerMinute);
    this.keyedAddress =
      settings.rateLimitIpKeyedPointsPerMinute > 0
        ? windowsFor('address', 'ip-keyed', settings.rateLimitIpKeyedPointsPerMinute)
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
    const windows = this.windowsOf(payer).filter(([window]) => runs || window.seconds >= 60);
    const counts = await this.spend(windows, points).catch(() =>
      this.spendInMemory(windows, points),
    );
    const spent: Exhausted[] = [];
    windows.forEach(([window, id], i) => {
      const { consumed, msBeforeNext } = counts[i]!;
      if (consumed <= window.points) return;
      this.remember(window.budget, `${window.prefix}:${id}`, msBeforeNext);
      spent.push({ budget: window.budget, msBeforeNext });
    });
    if (spent.length > 0) throw this.refusal(spent);
  }

  /** The charge in Redis: every counter in one script call (shared with concurrent charges). */
  private spend(windows: Array<[BudgetWindow, string]>, points: number): Promise<WindowCount[]> {
    return this.counters.charge(
      windows.map(([window, id]) => ({
        key: `${window.prefix}:${id}`,
        points,
        seconds: window.seconds,
      })),
    );
  }

  /** The charge while Redis cannot be reached: this instance's own counters. */
  private spendInMemory(
    windows: Array<[BudgetWindow, string]>,
    points: number,
  ): Promise<WindowCount[]> {
    return Promise.all(
      windows.map(([window, id]) =>
        window.memory.consume(id, points).catch((refused: unknown) => {
          if (refused instanceof RateLimiterRes) return refused;
          throw refused;
        }),
      ),
    ).then((results) =>
      results.map((r) => ({ consumed: r.consumedPoints, msBeforeNext: r.msBeforeNext })),
    );
  }

  /**
   * Throws RateLimitedError if one of the payer's budgets ran out, as far as this instance has
   * seen (spends nothing, asks nothing of Redis).
   */
  assertBudgetLeft(payer: Payer): void {
    const now = Date.now();
    const spent: Exhausted[] = [];
    for (const [window, id] of this.windowsOf(payer)) {
      const seen = this.spentUntil.get(`${window.prefix}:${id}`);
      if (seen && seen.until > now)
        spent.push({ budget: window.budget, msBeforeNext: seen.until - now });
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

  private windowsOf(payer: Payer): Array<[BudgetWindow, string]> {
    const of = (windows: BudgetWindow[], id: string) =>
      windows.map((window): [BudgetWindow, string] => [window, id]);
    if (!payer.keyHash) return of(this.keylessAddress, payer.address);
    return [
      ...of(this.key, payer.keyHash),
      ...(payer.tenantId ? of(this.tenant, payer.tenantId) : []),
      ...of(this.keyedAddress, payer.address),
    ];
  }

  /** The refusal names the budget that frees up last, and waits for it. */
  private refusal(spent: Exhausted[]): RateLimitedError {
    const last = spent.reduce((a, b) => (b.msBeforeNext > a.msBeforeNext ? b : a));
    return new RateLimitedError(
      `Too many requests (or too costly ones) for this ${last.budget === 'address' ? 'client address' : last.budget}; retry later.`,
      last.msBeforeNext / 1000,
      { budget: last.budget },
    );
  }
}
