import type Bull from 'bull';
import { Endpoint } from '../entities/endpoint.entity';
import { loadTf } from '../ml/backend';
import { normalize } from '../ml/dataset';
import { featureRows } from '../ml/features';
import { calibrate } from '../ml/calibration';
import { predict } from '../ml/mlp';
import { modelInputs } from '../ml/model-features';
import { ModelCache } from '../scoring/model-cache';
import { withTenant } from '../tenancy/with-tenant';
import { FORECAST_JOB, type ForecastJob, type ForecastResult } from '../services/risk';
import type { ProcessorRegistration } from './processor';

export const FORECAST_QUEUE = FORECAST_JOB.queue;

// The request and answer are the domain's (src/services/risk.ts), which waits for this queue.
export type { ForecastJob, ForecastPoint, ForecastResult } from '../services/risk';

/**
 * A backtest: the risk the active model gives each minute of a past range, from stored rollups,
 * beside the actual breach minutes. Computed in the worker (the API never loads TensorFlow); the
 * API waits for the result.
 */
export function createForecastProcessor(): ProcessorRegistration {
  let cache: ModelCache | undefined;
  return {
    queue: FORECAST_QUEUE,
    concurrency: 2,
    close: async () => cache?.dispose(),
    process: async (
      job: Bull.Job<ForecastJob>,
      { dataSource, logger },
    ): Promise<ForecastResult | null> => {
      const { tenantId, endpointId } = job.data;
      const { tf } = await loadTf(logger);
      cache ??= new ModelCache(tf, logger);
      const serving = await cache.forTenant(dataSource, tenantId);
      if (!serving) return null;
      const { entry, network } = serving;
      const rows = await withTenant(dataSource, tenantId, async (manager) => {
        const endpoint = await manager.findOneByOrFail(Endpoint, { id: endpointId });
        return featureRows(
          manager,
          endpoint,
          new Date(job.data.from),
          new Date(job.data.to),
          entry.horizonMinutes,
        );
      });
      const inputs = modelInputs(entry.featureNames);
      const probabilities = rows.length
        ? predict(
            tf,
            network,
            rows.map((r) => normalize(inputs(r.features), entry.normalization)),
          ).map((p) => calibrate(p, entry.calibration))
        : [];
      return {
        modelId: entry.id,
        modelVersion: entry.version,
        threshold: entry.threshold,
        horizonMinutes: entry.horizonMinutes,
        points: rows.map((r, i) => ({
          minute: r.minute.toISOString(),
          // A minute that stands on too little data never alerts: 0, and why.
          probability: r.insufficient ? 0 : probabilities[i]!,
          insufficientData: r.insufficient,
          breached: r.breached,
          onset: r.onset,
        })),
      };
    },
  };
}
