import { digest } from '../../src/ml/artifact';
import { ownerQuery } from './database';

/**
 * Changes a stored model's threshold as an operator with owner access would, re-sealing its
 * SHA-256 (which covers the whole record): the legitimate way, unlike a bare UPDATE, which the
 * worker refuses.
 */
export async function resealThreshold(ownerUrl: string, modelId: string, threshold: number) {
  const [m] = await ownerQuery<{
    topology: object;
    weight_specs: object;
    weights: Buffer;
    horizon_minutes: number;
    feature_names: string[];
    normalization: object;
    hidden_units: number[];
    calibration: object | null;
  }>(ownerUrl, 'select * from models where id = $1', [modelId]);
  const sha = digest(m!.topology, m!.weight_specs, m!.weights, {
    horizonMinutes: m!.horizon_minutes,
    featureNames: m!.feature_names,
    normalization: m!.normalization,
    hiddenUnits: m!.hidden_units,
    threshold,
    calibration: m!.calibration,
  });
  await ownerQuery(
    ownerUrl,
    'update models set threshold = $2, artifact_sha256 = $3 where id = $1',
    [modelId, threshold, sha],
  );
}
