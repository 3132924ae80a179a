import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import { queuePrefix } from './queues';

// Workers serve no HTTP: they keep the scoring figures in Redis, and every API instance's
// /metrics reads them back (the same way the TensorFlow backend is reported).

function key(): string {
  return `${queuePrefix()}:scoring-report`;
}

/** After a round: how late it started, how long it took, and how many tenants failed in it. */
export async function reportScoringRound(
  redis: Redis,
  round: { lagSeconds: number; durationSeconds: number; failedTenants: number },
): Promise<void> {
  await redis
    .multi()
    .hset(key(), {
      lag_seconds: round.lagSeconds,
      round_seconds: round.durationSeconds,
      last_round_at: Date.now() / 1000,
    })
    .hincrby(key(), 'tenant_failures', round.failedTenants)
    .hincrby(key(), 'rounds', 1)
    .exec();
}

/** A round that found the previous one still running (on another worker) and did not start. */
export async function reportSkippedRound(redis: Redis): Promise<void> {
  await redis.hincrby(key(), 'rounds_skipped', 1);
}

export async function scoringReport(redis: Redis): Promise<Record<string, number>> {
  const raw = await redis.hgetall(key()).catch(() => ({}) as Record<string, string>);
  return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, Number(value)]));
}

/** Redis clients of the API instances in this process (tests run several in one process). */
const sources = new Set<Redis>();

/**
 * The scoring figures as gauges on the process's registry, read from Redis on scrape. Returns
 * the function that stops reading through this client (when its API instance stops).
 */
export function registerScoringMetrics(registry: Registry, redis: Redis): () => void {
  sources.add(redis);
  const unregister = () => void sources.delete(redis);
  if (registry.getSingleMetric('sentinel_scoring_lag_seconds')) return unregister;
  const gauges: Array<[string, string, string]> = [
    [
      'sentinel_scoring_lag_seconds',
      'How late the last scoring round started after it was due (a previous round overran).',
      'lag_seconds',
    ],
    ['sentinel_scoring_round_seconds', 'How long the last scoring round took.', 'round_seconds'],
    [
      'sentinel_scoring_tenant_failures_total',
      'Tenants whose scoring failed (logged and skipped while the others proceeded).',
      'tenant_failures',
    ],
    [
      'sentinel_scoring_rounds_skipped_total',
      'Rounds not started because the previous one was still running.',
      'rounds_skipped',
    ],
  ];
  for (const [name, help, field] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const source = [...sources].find((client) => client.status === 'ready');
        this.set(source ? ((await scoringReport(source))[field] ?? 0) : 0);
      },
    });
  }
  return unregister;
}
