import type Bull from 'bull';
import { loadTf } from '../ml/backend';
import { reportBackend } from './backend-report';
import { ModelCache } from '../scoring/model-cache';
import { riskChannel, type RiskChange } from '../scoring/risk-events';
import type { Model } from '../entities/model.entity';
import { decideAlerts } from '../scoring/alert-state';
import { scoreTenant, type ScoredEndpoint } from '../scoring/score-tenant';
import type { ProcessorRegistration } from './processor';
import { enqueueWebhookEvent } from './webhook-jobs';

export const SCORING_QUEUE = 'scoring';

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
 * Every minute: score every active endpoint of every tenant that has an active model (its own, or
 * the global one), store the predictions, publish `riskChanged` on a threshold crossing, and
 * deliver the alerts src/scoring/alert-state.ts decides: BREACH_PREDICTED once per rise (with
 * hysteresis; from the burn-rate alert while the serving guard holds the model back) and
 * BREACH_STARTED for every onset.
 */
export function createScoringProcessor(): ProcessorRegistration {
  let cache: ModelCache | undefined;
  return {
    queue: SCORING_QUEUE,
    concurrency: 1,
    close: async () => cache?.dispose(),
    process: async (_job: Bull.Job, { dataSource, channels, queues, logger, redis }) => {
      const { tf, backend } = await loadTf(logger);
      await reportBackend(redis, backend);
      cache ??= new ModelCache(tf, logger);
      const tenants: Array<{ tenant_id: string }> = await dataSource.query(
        'select tenants_to_score() as tenant_id',
      );
      const now = new Date();
      let endpoints = 0;
      for (const { tenant_id: tenantId } of tenants) {
        const serving = await cache.forTenant(dataSource, tenantId);
        if (!serving) continue;
        const { entry } = serving;
        const scored = await scoreTenant(tf, dataSource, tenantId, serving, now);
        endpoints += scored.length;
        const alerts = await decideAlerts(dataSource, tenantId, entry, scored, now);
        const byEndpoint = new Map(scored.map((s) => [s.endpointId, s]));
        for (const s of scored) {
          // riskChanged streams every threshold crossing; webhooks follow the alert episodes.
          if ((s.wasAbove ?? false) !== s.aboveThreshold)
            await channels.publish(riskChannel(s.endpointId), riskChange(s, entry));
        }
        for (const p of alerts.predicted) {
          const s = byEndpoint.get(p.endpointId)!;
          await enqueueWebhookEvent(
            dataSource,
            queues.webhooks,
            tenantId,
            'BREACH_PREDICTED',
            `${p.endpointId}:${p.minute.toISOString()}`,
            { ...riskChange(s, entry), source: p.source, topFeatures: s.top },
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
      return { tenants: tenants.length, endpoints };
    },
  };
}
