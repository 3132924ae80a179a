import type Bull from 'bull';
import type { DataSource } from 'typeorm';
import { withTimeout } from '../runtime/with-timeout';
import { BadInputError, ConflictError } from '../errors/app-errors';
import { defineJob, enqueue, type TenantScoped } from '../jobs/job-definition';
import { latestPrediction } from '../scoring/predictions';
import { withTenant } from '../tenancy/with-tenant';
import { refusedActiveModel } from '../training/model-registry';
import { getEndpoint } from './endpoints';

/** A backtest reads at most a week of minutes. */
export const MAX_FORECAST_MINUTES = 7 * 1440;
/** How long `forecast` waits for the worker. */
const FORECAST_TIMEOUT_MS = 60_000;

/** What the worker's `forecasts` queue is asked (src/jobs/forecast-jobs.ts answers it). */
export interface ForecastJob extends TenantScoped {
  endpointId: string;
  from: string;
  to: string;
}

/** Asked and awaited at once: no retry, nothing kept. */
export const FORECAST_JOB = defineJob<ForecastJob>({
  queue: 'forecasts',
  attempts: 1,
  keep: { completed: true, failed: true },
});

export interface ForecastPoint {
  minute: string;
  /** 0 for a minute too thin to forecast (`insufficientData`), as the evaluation counts it. */
  probability: number;
  insufficientData: string | null;
  breached: boolean;
  onset: boolean;
}

export interface ForecastResult {
  modelId: string;
  modelVersion: number;
  threshold: number;
  horizonMinutes: number;
  points: ForecastPoint[];
}

/**
 * The endpoint's latest prediction (calibrated, with its percentage and level against the
 * threshold), or null; NOT_FOUND for an endpoint the tenant cannot see.
 */
export async function currentRisk(dataSource: DataSource, tenantId: string, endpointId: string) {
  return withTenant(dataSource, tenantId, async (manager) => {
    await getEndpoint(manager, endpointId);
    const latest = await latestPrediction(manager, endpointId);
    return latest
      ? {
          ...latest,
          percent: latest.probability === null ? null : +(latest.probability * 100).toFixed(1),
        }
      : null;
  });
}

/** NOT_FOUND unless the endpoint is the tenant's (before a subscription starts listening). */
export async function assertEndpointVisible(
  dataSource: DataSource,
  tenantId: string,
  endpointId: string,
): Promise<void> {
  await withTenant(dataSource, tenantId, (manager) => getEndpoint(manager, endpointId));
}

/**
 * The active model's risk for each minute of [from, to]. The worker computes it (the API never
 * loads TensorFlow); this waits for its answer.
 */
export async function backtest(
  dataSource: DataSource,
  queue: Bull.Queue<ForecastJob>,
  tenantId: string,
  request: { endpointId: string; from: Date; to: Date },
): Promise<ForecastResult> {
  const { endpointId, from, to } = request;
  if (!(from < to)) throw new BadInputError([{ field: 'to', message: 'must be after from' }]);
  if ((to.getTime() - from.getTime()) / 60_000 > MAX_FORECAST_MINUTES)
    throw new BadInputError([
      { field: 'from', message: `the range may span at most ${MAX_FORECAST_MINUTES} minutes` },
    ]);
  await assertEndpointVisible(dataSource, tenantId, endpointId);
  const job = await enqueue(queue, FORECAST_JOB, {
    tenantId,
    endpointId,
    from: from.toISOString(),
    to: to.toISOString(),
  });
  const result = (await withTimeout(
    job.finished(),
    FORECAST_TIMEOUT_MS,
    'forecast timed out waiting for a worker',
  )) as ForecastResult | null;
  if (!result) {
    // A model the worker refuses is named as such, not taken for "no model".
    const refused = await withTenant(dataSource, tenantId, (manager) =>
      refusedActiveModel(manager, tenantId),
    );
    throw new ConflictError(
      refused
        ? `Model version ${refused.version} is refused: ${refused.refusedReason}. Restore its record or promote another model.`
        : 'There is no active model yet: train one (trainModel) first.',
    );
  }
  return result;
}
