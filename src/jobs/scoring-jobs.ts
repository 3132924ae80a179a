import type Bull from 'bull';
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadTf } from '../ml/backend';
import { reportBackend } from './backend-report';
import { ModelCache } from '../scoring/model-cache';
import { riskChannel, type RiskChange } from '../scoring/risk-events';
import { decideAlerts, type AlertOutcome, type ScoredMinute } from '../scoring/alert-state';
import { scoreTenant, type ScoredEndpoint } from '../scoring/score-tenant';
import { watchWithoutModel } from '../scoring/watch-tenant';
import type { Model } from '../entities/model.entity';
import type { ProcessorDeps, ProcessorRegistration } from './processor';
import { queuePrefix } from './queues';
import { reportScoringRound, reportSkippedRound } from './scoring-report';
import { enqueueWebhookEvent } from './webhook-jobs';

export const SCORING_QUEUE = 'scoring';

/**
 * Longest a round may hold the round lock: a worker that died mid-round frees it after this.
 * Far above any round's length (10,000 endpoints take seconds to a couple of minutes).
 */
const ROUND_LOCK_MS = 15 * 60_000;

/** Releases the lock only if this round still holds it (it may have expired and been taken). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * One round at a time across every worker: Bull runs one job per interval, but with two workers
 * the next interval's job could start on the other worker while a long round still runs. A round
 * that finds the lock taken does not start (rounds_skipped); the next one starts after it.
 */
async function withRoundLock<T>(redis: Redis, work: () => Promise<T>): Promise<T | 'busy'> {
  const lock = `${queuePrefix()}:scoring-round-lock`;
  const token = crypto.randomUUID();
  if ((await redis.set(lock, token, 'PX', ROUND_LOCK_MS, 'NX')) !== 'OK') return 'busy';
  try {
    return await work();
  } finally {
    await redis.eval(RELEASE, 1, lock, token).catch(() => undefined);
  }
}

/** When Bull was to run this job: repeat jobs are added ahead with a delay. */
function dueAt(job: Bull.Job): number {
  return job.timestamp + (job.opts.delay ?? 0);
}

/**
 * Every minute: score every active endpoint of every tenant that has an active model (its own, or
 * the global one), store the predictions, publish `riskChanged` on a threshold crossing, and
 * deliver the alerts src/scoring/alert-state.ts decides (BREACH_PREDICTED, BREACH_STARTED). A tenant whose
 * scoring fails is logged, counted (sentinel_scoring_tenant_failures_total) and skipped; the
 * others are scored all the same.
 */
export function createScoringProcessor(): ProcessorRegistration {
  let cache: ModelCache | undefined;
  return {
    queue: SCORING_QUEUE,
    concurrency: 1,
    close: async () => cache?.dispose(),
    process: async (job: Bull.Job, deps) => {
      const { dataSource, logger, redis } = deps;
      const started = Date.now();
      const lagSeconds = Math.max(0, (started - dueAt(job)) / 1000);
      const outcome = await withRoundLock(redis, async () => {
        const { tf, backend } = await loadTf(logger);
        await reportBackend(redis, backend);
        cache ??= new ModelCache(tf, logger);
        const scoreable: Array<{ tenant_id: string }> = await dataSource.query(
          'select tenants_to_score() as tenant_id',
        );
        const watched: Array<{ tenant_id: string }> = await dataSource.query(
          'select tenants_with_live_endpoints() as tenant_id',
        );
        const withModel = new Set(scoreable.map((t) => t.tenant_id));
        const tenants = [...new Set([...withModel, ...watched.map((t) => t.tenant_id)])];
        const now = new Date();
        let endpoints = 0;
        let failed = 0;
        for (const tenantId of tenants) {
          try {
            const serving = withModel.has(tenantId)
              ? await cache.forTenant(dataSource, tenantId)
              : undefined;
            if (serving) {
              const scored = await scoreTenant(tf, dataSource, tenantId, serving, now);
              endpoints += scored.length;
              await announce(deps, tenantId, serving.entry, scored);
            } else {
              // No model serves it yet: breaches are still announced, the burn-rate alert pages.
              await announceWithoutModel(
                deps,
                tenantId,
                await watchWithoutModel(dataSource, tenantId, now),
              );
            }
          } catch (err) {
            failed++;
            logger.error(
              { tenantId, err: (err as Error).message },
              'scoring failed for a tenant; skipped this round, the others go on',
            );
          }
        }
        return { tenants: tenants.length, endpoints, failed };
      });
      if (outcome === 'busy') {
        await reportSkippedRound(redis);
        logger.warn({ lagSeconds }, 'previous scoring round still running; this one skipped');
        return { skipped: true };
      }
      const durationSeconds = (Date.now() - started) / 1000;
      await reportScoringRound(redis, {
        lagSeconds,
        durationSeconds,
        failedTenants: outcome.failed,
      });
      if (lagSeconds > 5)
        logger.warn({ lagSeconds, durationSeconds }, 'scoring round started late');
      return { ...outcome, lagSeconds, durationSeconds };
    },
  };
}

function riskChange(s: ScoredEndpoint, entry: Model): RiskChange {
  return {
    endpointId: s.endpointId,
    minute: s.minute.toISOString(),
    probability: s.probability,
    threshold: entry.threshold,
    aboveThreshold: s.aboveThreshold,
    horizonMinutes: entry.horizonMinutes,
    modelId: entry.id,
    modelVersion: entry.version,
  };
}

/**
 * Threshold crossings become `riskChanged` events; webhooks follow the alert episodes that
 * src/scoring/alert-state.ts decides (BREACH_PREDICTED once per rise, from the burn-rate alert
 * while the serving guard holds the model back; BREACH_STARTED for every onset).
 */
async function announce(
  deps: ProcessorDeps,
  tenantId: string,
  entry: Model,
  scored: ScoredEndpoint[],
): Promise<void> {
  for (const s of scored)
    if ((s.wasAbove ?? false) !== s.aboveThreshold)
      await deps.channels.publish(riskChannel(s.endpointId), riskChange(s, entry));
  const alerts = await decideAlerts(deps.dataSource, tenantId, entry, scored);
  const byEndpoint = new Map(scored.map((s) => [s.endpointId, s]));
  await deliver(deps, tenantId, alerts, (p) => {
    const s = byEndpoint.get(p.endpointId)!;
    const change = riskChange(s, entry);
    return {
      ...change,
      probability: change.probability ?? undefined,
      source: p.source,
      topFeatures: s.top,
    };
  });
}

/** A tenant no model serves: onsets and the burn-rate alert only, without a risk. */
async function announceWithoutModel(
  deps: ProcessorDeps,
  tenantId: string,
  watched: ScoredMinute[],
): Promise<void> {
  const alerts = await decideAlerts(deps.dataSource, tenantId, null, watched);
  await deliver(deps, tenantId, alerts, (p) => ({
    endpointId: p.endpointId,
    minute: p.minute.toISOString(),
    source: p.source,
  }));
}

async function deliver(
  { dataSource, queues }: ProcessorDeps,
  tenantId: string,
  alerts: AlertOutcome,
  predictedPayload: (p: AlertOutcome['predicted'][number]) => Record<string, unknown>,
): Promise<void> {
  for (const p of alerts.predicted) {
    await enqueueWebhookEvent(
      dataSource,
      queues.webhooks,
      tenantId,
      'BREACH_PREDICTED',
      `${p.endpointId}:${p.minute.toISOString()}`,
      predictedPayload(p),
    );
  }
  for (const o of alerts.started) {
    const minute = o.minute.toISOString();
    await enqueueWebhookEvent(
      dataSource,
      queues.webhooks,
      tenantId,
      'BREACH_STARTED',
      `${o.endpointId}:${minute}`,
      { endpointId: o.endpointId, minute },
    );
  }
}
