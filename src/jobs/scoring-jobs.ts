import type Bull from 'bull';
import { loadTf } from '../ml/backend';
import { reportBackend } from './backend-report';
import { ModelCache } from '../scoring/model-cache';
import { riskChannel, type RiskChange } from '../scoring/risk-events';
import { scoreTenant } from '../scoring/score-tenant';
import type { ProcessorRegistration } from './processor';
import { enqueueWebhookEvent } from './webhook-jobs';

export const SCORING_QUEUE = 'scoring';

/**
 * Every minute: score every active endpoint of every tenant that has an active model (its own, or
 * the global one), store the
 * predictions, and on a threshold crossing publish `riskChanged` and (upwards) a
 * BREACH_PREDICTED webhook; a breach onset sends BREACH_STARTED.
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
        for (const s of scored) {
          const minute = s.minute.toISOString();
          // No earlier prediction counts as below: a first score above the threshold is a crossing.
          if ((s.wasAbove ?? false) !== s.aboveThreshold) {
            const change: RiskChange = {
              endpointId: s.endpointId,
              minute,
              probability: s.probability,
              threshold: entry.threshold,
              aboveThreshold: s.aboveThreshold,
              horizonMinutes: entry.horizonMinutes,
              modelId: entry.id,
              modelVersion: entry.version,
            };
            await channels.publish(riskChannel(s.endpointId), change);
            if (s.aboveThreshold)
              await enqueueWebhookEvent(
                dataSource,
                queues.webhooks,
                tenantId,
                'BREACH_PREDICTED',
                `${s.endpointId}:${minute}`,
                { ...change, topFeatures: s.top },
              );
          }
          if (s.onset)
            await enqueueWebhookEvent(
              dataSource,
              queues.webhooks,
              tenantId,
              'BREACH_STARTED',
              `${s.endpointId}:${minute}`,
              { endpointId: s.endpointId, minute },
            );
        }
      }
      return { tenants: tenants.length, endpoints };
    },
  };
}
