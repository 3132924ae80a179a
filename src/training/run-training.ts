import type * as TF from '@tensorflow/tfjs';
import type { DataSource } from 'typeorm';
import type { Logger } from '../config/logger';
import type { Model } from '../entities/model.entity';
import { GLOBAL_SCOPE_ID } from '../entities/tenant.entity';
import { loadModel, serializeModel, TamperedArtifactError } from '../ml/artifact';
import type { Normalization } from '../ml/dataset';
import { DEFAULT_MLP, UnlearnableDataError, type EpochReport } from '../ml/mlp';
import { featurePositions, MODEL_FEATURES, modelInputs } from '../ml/model-features';
import { evaluateModel, trainAndEvaluate, type EndpointRows } from '../ml/pipeline';
import { endpointFeatureRows } from './feature-data';
import { toStoredEvaluation, type StoredEvaluation } from '../ml/stored-evaluation';
import type { FeatureFlag } from '../services/feature-flags';
import { withTenant } from '../tenancy/with-tenant';
import type { TrainedPayload } from './child-protocol';
import {
  AggregateRefusedError,
  globalTrainingRows,
  type AggregateSettings,
} from './global-aggregate';
import { activeModel, withArtifact } from './model-registry';
import type { TrainingRequest } from './training-events';
import { trainingEndpoints } from './training-jobs';

export class TrainingRefused extends Error {}

/** Hidden layers per model kind; `wide-mlp` is a feature flag (src/services/feature-flags.ts). */
export function hiddenUnits(flags: readonly string[]): number[] {
  return flags.includes('wide-mlp' satisfies FeatureFlag) ? [64, 32] : DEFAULT_MLP.hidden;
}

interface TrainingContext {
  tf: typeof TF;
  backend: string;
  dataSource: DataSource;
  /** Only for GLOBAL: the platform role, the one that may read the aggregate. */
  platform?: DataSource;
  aggregate: AggregateSettings;
  tenantId: string;
  featureFlags: string[];
  log: Logger;
}

/**
 * One training run, start to finish, in the process that loaded TensorFlow: the data (a tenant's
 * rollups, or the anonymised aggregate for the global model), the MLP (fine-tuned from the global
 * model when a tenant trains and one exists), its evaluation, and the same held-out minutes scored
 * by the active model (what automatic promotion compares) and, for tenants, by the global model.
 */
export async function runTraining(
  ctx: TrainingContext,
  request: TrainingRequest,
  onEpoch: (report: EpochReport) => void | Promise<void>,
): Promise<TrainedPayload> {
  const { tf, dataSource, tenantId } = ctx;
  const data =
    request.scope === 'GLOBAL' ? await aggregateData(ctx) : await tenantData(ctx, request);
  const rows = data.reduce((n, d) => n + d.rows.length, 0);
  if (rows < 1000) throw new TrainingRefused(`only ${rows} feature rows; at least 1000 are needed`);
  if (!data.some((d) => d.rows.some((r) => r.onset)))
    throw new TrainingRefused('no breach onset in the data: nothing to learn to forecast');

  const hidden = hiddenUnits(ctx.featureFlags);
  const options = {
    ...DEFAULT_MLP,
    hidden,
    epochs: request.epochs,
    seed: request.seed ?? DEFAULT_MLP.seed,
  };
  const [incumbent, global] = await withTenant(
    dataSource,
    tenantId,
    async (m) =>
      [
        await activeModel(m, tenantId),
        request.scope === 'TENANT' ? await activeModel(m, GLOBAL_SCOPE_ID) : null,
      ] as const,
  );
  const globalNetwork = global && compatible(global, request) ? await load(ctx, global) : null;
  // Fine-tune from the global model when it has this version's inputs and the same shape: a
  // tenant starts from what all learnt. (A global model trained on an older feature list still
  // serves, but a new tenant model starts afresh rather than inherit that list.)
  const base =
    globalNetwork &&
    global!.hiddenUnits.join() === hidden.join() &&
    global!.featureNames.join() === MODEL_FEATURES.join()
      ? {
          model: globalNetwork,
          featureNames: global!.featureNames,
          normalization: global!.normalization,
        }
      : undefined;

  let outcome;
  try {
    outcome = await trainAndEvaluate(tf, data, request.horizonMinutes, options, onEpoch, base);
  } catch (err) {
    if (err instanceof UnlearnableDataError) throw new TrainingRefused(err.message);
    throw err;
  }

  let incumbentEvaluation: StoredEvaluation['incumbent'] = null;
  const incumbentNetwork =
    incumbent && compatible(incumbent, request) ? await load(ctx, incumbent) : null;
  if (incumbent && incumbentNetwork) {
    const metrics = evaluateModel(
      tf,
      {
        model: incumbentNetwork,
        featureNames: incumbent.featureNames,
        normalization: incumbent.normalization,
        calibration: incumbent.calibration,
        threshold: incumbent.threshold,
      },
      outcome.test,
      request.horizonMinutes,
    );
    incumbentEvaluation = { modelId: incumbent.id, version: incumbent.version, metrics };
  }
  let globalEvaluation: StoredEvaluation['global'] = null;
  if (global && globalNetwork) {
    const metrics = evaluateModel(
      tf,
      {
        model: globalNetwork,
        featureNames: global.featureNames,
        normalization: global.normalization,
        calibration: global.calibration,
        threshold: global.threshold,
      },
      outcome.test,
      request.horizonMinutes,
    );
    globalEvaluation = {
      modelId: global.id,
      version: global.version,
      metrics,
      featureDistance: featureDistance(data, global),
    };
  }
  incumbentNetwork?.dispose();
  globalNetwork?.dispose();

  const record = {
    horizonMinutes: request.horizonMinutes,
    featureNames: [...outcome.featureNames],
    normalization: outcome.normalization,
    hiddenUnits: hidden,
    threshold: outcome.threshold,
    calibration: outcome.calibration,
  };
  // The SHA-256 covers the whole record, not only the weights (digest version 2).
  const artifact = await serializeModel(outcome.model, tf, record);
  outcome.model.dispose();
  return {
    ...record,
    trainingFrom: outcome.trainingFrom.toISOString(),
    trainingTo: outcome.trainingTo.toISOString(),
    epochs: outcome.epochs,
    backend: ctx.backend,
    evaluation: toStoredEvaluation(outcome.evaluation, incumbentEvaluation, globalEvaluation),
    baseModelId: base ? global!.id : null,
    artifact: {
      topology: artifact.topology,
      weightSpecs: artifact.weightSpecs as unknown as object[],
      weightsBase64: artifact.weights.toString('base64'),
      sha256: artifact.sha256,
      record,
    },
  };
}

async function tenantData(ctx: TrainingContext, request: TrainingRequest): Promise<EndpointRows[]> {
  const to = new Date();
  const from = new Date(to.getTime() - request.windowDays * 86_400_000);
  return withTenant(ctx.dataSource, ctx.tenantId, async (manager) =>
    endpointFeatureRows(
      manager,
      await trainingEndpoints(manager, request),
      from,
      to,
      request.horizonMinutes,
    ),
  );
}

async function aggregateData(ctx: TrainingContext): Promise<EndpointRows[]> {
  if (!ctx.platform)
    throw new TrainingRefused(
      'no platform database connection (PLATFORM_DATABASE_URL) for the global model',
    );
  try {
    return await globalTrainingRows(ctx.platform, ctx.aggregate);
  } catch (err) {
    // The aggregate refuses itself below k contributors: that is a reason, not a crash.
    if (err instanceof AggregateRefusedError) throw new TrainingRefused(err.message);
    throw err;
  }
}

function compatible(model: Model, request: TrainingRequest): boolean {
  return (
    model.horizonMinutes === request.horizonMinutes && featurePositions(model.featureNames) !== null
  );
}

async function load(ctx: TrainingContext, model: Model): Promise<TF.LayersModel | null> {
  try {
    return await loadModel(
      await withTenant(ctx.dataSource, ctx.tenantId, (m) => withArtifact(m, model.id)),
      ctx.tf,
    );
  } catch (err) {
    // No comparison (so no automatic promotion) and no fine-tuning from it; training goes on.
    if (!(err instanceof TamperedArtifactError)) throw err;
    ctx.log.error({ modelId: model.id }, 'a model was refused (SHA-256 mismatch); not using it');
    return null;
  }
}

/**
 * How far a tenant's features sit from the aggregate's: the mean over features of the distance
 * between the tenant's mean and the aggregate's centre (median), in the aggregate's scale units.
 */
export function featureDistance(
  data: EndpointRows[],
  aggregate: { featureNames: readonly string[]; normalization: Normalization },
): number {
  const inputs = modelInputs(aggregate.featureNames);
  const rows = data.flatMap((d) => d.rows.map((r) => inputs(r.features)));
  const { center, scale } = aggregate.normalization;
  const width = center.length;
  let total = 0;
  for (let i = 0; i < width; i++) {
    const mean = rows.reduce((sum, r) => sum + r[i]!, 0) / rows.length;
    total += Math.abs(mean - center[i]!) / scale[i]!;
  }
  return total / width;
}
