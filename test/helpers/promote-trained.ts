import type * as TF from '@tensorflow/tfjs';
import type { DataSource } from 'typeorm';
import type { Model } from '../../src/entities/model.entity';
import { serializeModel } from '../../src/ml/artifact';
import { DEFAULT_MLP } from '../../src/ml/mlp';
import type { TrainingOutcome } from '../../src/ml/pipeline';
import { toStoredEvaluation } from '../../src/ml/stored-evaluation';
import { promoteModel, registerModel } from '../../src/training/model-registry';
import { withTenant } from '../../src/tenancy/with-tenant';

/**
 * Registers a model trained in the test process (DEFAULT_MLP's layers) for a tenant, or for the
 * global scope, and makes it ACTIVE by hand: a briefly trained model may stay a candidate at the
 * promotion gate, and the tests want it serving.
 */
export async function promoteTrained(
  tf: typeof TF,
  dataSource: DataSource,
  tenantId: string,
  outcome: TrainingOutcome,
): Promise<Model> {
  const artifact = await serializeModel(outcome.model, tf);
  return withTenant(dataSource, tenantId, async (m) => {
    const { model } = await registerModel(
      m,
      tenantId,
      {
        horizonMinutes: 15,
        featureNames: [...outcome.featureNames],
        normalization: outcome.normalization,
        calibration: outcome.calibration,
        hiddenUnits: DEFAULT_MLP.hidden,
        threshold: outcome.threshold,
        trainingFrom: outcome.trainingFrom,
        trainingTo: outcome.trainingTo,
        evaluation: toStoredEvaluation(outcome.evaluation, null),
        artifact,
      },
      '00000000-0000-4000-8000-000000000000',
      false,
    );
    return promoteModel(m, tenantId, model.id);
  });
}
