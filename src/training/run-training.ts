import type * as TF from '@tensorflow/tfjs';
import type { DataSource } from 'typeorm';
import type { Logger } from '../config/logger';
import { loadModel, serializeModel, TamperedArtifactError } from '../ml/artifact';
import { FEATURE_NAMES } from '../ml/features';
import { DEFAULT_MLP, type EpochReport } from '../ml/mlp';
import { endpointFeatureRows, evaluateModel, trainAndEvaluate } from '../ml/pipeline';
import { toStoredEvaluation, type StoredEvaluation } from '../ml/stored-evaluation';
import { withTenant } from '../tenancy/with-tenant';
import type { TrainedPayload } from './child-protocol';
import type { TrainingRequest } from './training-events';
import { activeModel, withArtifact } from './model-registry';
import { trainingEndpoints } from './training-jobs';

export class TrainingRefused extends Error {}

/**
 * One training run, start to finish, in the process that loaded TensorFlow: features from the
 * rollups, the MLP, its evaluation, and the active model's evaluation on the same held-out minutes
 * (what automatic promotion compares).
 */
export async function runTraining(
  tf: typeof TF,
  backend: string,
  dataSource: DataSource,
  tenantId: string,
  request: TrainingRequest,
  onEpoch: (report: EpochReport) => void | Promise<void>,
  log: Logger,
): Promise<TrainedPayload> {
  const to = new Date();
  const from = new Date(to.getTime() - request.windowDays * 86_400_000);
  const { data, incumbent } = await withTenant(dataSource, tenantId, async (manager) => {
    const endpoints = await trainingEndpoints(manager, request);
    return { data: await endpointFeatureRows(manager, endpoints, from, to, request.horizonMinutes), incumbent: await activeModel(manager) };
  });
  const rows = data.reduce((n, d) => n + d.rows.length, 0);
  if (rows < 1000) throw new TrainingRefused(`only ${rows} feature rows in the window; at least 1000 are needed`);
  if (!data.some((d) => d.rows.some((r) => r.onset))) throw new TrainingRefused('no breach onset in the window: nothing to learn to forecast');

  const options = { ...DEFAULT_MLP, epochs: request.epochs, seed: request.seed ?? DEFAULT_MLP.seed };
  let outcome;
  try {
    outcome = await trainAndEvaluate(tf, data, request.horizonMinutes, options, onEpoch);
  } catch (err) {
    if (err instanceof Error && /both breach and quiet/.test(err.message)) throw new TrainingRefused(err.message);
    throw err;
  }

  let incumbentEvaluation: StoredEvaluation['incumbent'] = null;
  if (incumbent && incumbent.horizonMinutes === request.horizonMinutes && sameFeatures(incumbent.featureNames)) {
    try {
      const stored = await withTenant(dataSource, tenantId, (manager) => withArtifact(manager, incumbent.id));
      const model = await loadModel(stored, tf);
      const metrics = evaluateModel(tf, { model, normalization: incumbent.normalization, threshold: incumbent.threshold }, outcome.test, request.horizonMinutes);
      model.dispose();
      incumbentEvaluation = { modelId: incumbent.id, version: incumbent.version, metrics };
    } catch (err) {
      // No comparison, so no automatic promotion; the new model is still registered.
      if (!(err instanceof TamperedArtifactError)) throw err;
      log.error({ modelId: incumbent.id }, 'the active model was refused (SHA-256 mismatch); not comparing against it');
    }
  }
  const artifact = await serializeModel(outcome.model, tf);
  outcome.model.dispose();
  return {
    horizonMinutes: request.horizonMinutes,
    featureNames: [...FEATURE_NAMES],
    normalization: outcome.normalization,
    hiddenUnits: options.hidden,
    threshold: outcome.threshold,
    trainingFrom: outcome.trainingFrom.toISOString(),
    trainingTo: outcome.trainingTo.toISOString(),
    epochs: outcome.epochs,
    backend,
    evaluation: toStoredEvaluation(outcome.evaluation, incumbentEvaluation),
    artifact: { topology: artifact.topology, weightSpecs: artifact.weightSpecs as unknown as object[], weightsBase64: artifact.weights.toString('base64'), sha256: artifact.sha256 },
  };
}

function sameFeatures(names: string[]): boolean {
  return names.length === FEATURE_NAMES.length && names.every((name, i) => name === FEATURE_NAMES[i]);
}
