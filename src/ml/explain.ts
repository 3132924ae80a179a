import type * as TF from '@tensorflow/tfjs';
import { PREDICT_BATCH } from './mlp';

export interface FeatureContribution {
  name: string;
  /** The feature's raw value this minute. */
  value: number;
  /** Probability minus the probability with this feature at its training mean. */
  contribution: number;
}

export interface ExplainedScore {
  probability: number;
  top: FeatureContribution[];
}

/**
 * Probabilities for normalised rows, each with the features that moved it most. Occlusion: a
 * feature's contribution is how much the probability falls when that feature is set to its
 * training mean (0 once normalised). Exact for what the model does, cheap for a small MLP: all
 * rows and all their variants go through the network in one batch.
 */
export function explainScores(
  tf: typeof TF,
  model: TF.LayersModel,
  rows: Array<{ normalized: number[]; raw: number[] }>,
  featureNames: readonly string[],
  topCount = 3,
  /** Maps a raw output to the reported probability (the model's calibration). */
  transform: (raw: number) => number = (raw) => raw,
): ExplainedScore[] {
  if (rows.length === 0) return [];
  const width = featureNames.length;
  const batch: number[][] = [];
  for (const { normalized } of rows) {
    batch.push(normalized);
    for (let i = 0; i < width; i++) batch.push(normalized.map((v, j) => (j === i ? 0 : v)));
  }
  const out = tf.tidy(() =>
    (model.predict(tf.tensor2d(batch), { batchSize: PREDICT_BATCH }) as TF.Tensor).dataSync(),
  );
  return rows.map(({ raw }, r) => {
    const base = r * (width + 1);
    const probability = transform(out[base]!);
    const contributions = featureNames.map((name, i) => ({
      name,
      value: raw[i]!,
      contribution: probability - transform(out[base + 1 + i]!),
    }));
    contributions.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    return { probability, top: contributions.slice(0, topCount) };
  });
}
