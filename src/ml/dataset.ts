import type { FeatureRow } from './features';

/** Mean and standard deviation per feature, fitted on the training part only, stored with the model. */
export interface Normalization {
  mean: number[];
  std: number[];
}

export interface Split<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/**
 * Splits rows by time, never shuffling across it: the earliest `trainShare` trains, the next
 * `validationShare` validates (early stopping, threshold choice), the latest part is held out.
 */
export function splitByTime<T extends { minute: Date }>(rows: T[], trainShare = 0.7, validationShare = 0.15): Split<T> {
  const sorted = [...rows].sort((a, b) => a.minute.getTime() - b.minute.getTime());
  const trainEnd = Math.floor(sorted.length * trainShare);
  const validationEnd = Math.floor(sorted.length * (trainShare + validationShare));
  return { train: sorted.slice(0, trainEnd), validation: sorted.slice(trainEnd, validationEnd), test: sorted.slice(validationEnd) };
}

export function fitNormalization(rows: Pick<FeatureRow, 'features'>[]): Normalization {
  const width = rows[0]?.features.length ?? 0;
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const row of rows) row.features.forEach((value, i) => (mean[i]! += value / rows.length));
  for (const row of rows) row.features.forEach((value, i) => (std[i]! += (value - mean[i]!) ** 2 / rows.length));
  // A constant feature would divide by zero; it carries no information, so it maps to 0.
  return { mean, std: std.map((variance) => Math.sqrt(variance) || 1) };
}

export function normalize(features: number[], normalization: Normalization): number[] {
  return features.map((value, i) => (value - normalization.mean[i]!) / normalization.std[i]!);
}
