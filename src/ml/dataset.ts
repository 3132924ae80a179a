import type { FeatureRow } from './features';

/** Centre (median) and scale per feature, fitted on the training part only, stored with the model. */
export interface Normalization {
  /** Per feature: the training median. */
  center: number[];
  /** Per feature: 1.4826 x MAD, or the standard deviation where the MAD is 0. */
  scale: number[];
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
export function splitByTime<T extends { minute: Date }>(
  rows: T[],
  trainShare = 0.7,
  validationShare = 0.15,
): Split<T> {
  const sorted = [...rows].sort((a, b) => a.minute.getTime() - b.minute.getTime());
  const trainEnd = Math.floor(sorted.length * trainShare);
  const validationEnd = Math.floor(sorted.length * (trainShare + validationShare));
  return {
    train: sorted.slice(0, trainEnd),
    validation: sorted.slice(trainEnd, validationEnd),
    test: sorted.slice(validationEnd),
  };
}

/** Normalised values are clipped to this many scale units: no single input can swamp the network. */
export const CLIP = 10;

/**
 * Robust scaling, fitted on the training part only: centre on the median, scale by the median
 * absolute deviation (x1.4826, the standard deviation of a normal), or the standard deviation
 * where most values are equal (error rates are mostly 0). Outliers, and fabricated extreme rows
 * in the global aggregate, move a median and a MAD far less than a mean and a variance.
 */
export function fitNormalization(rows: Pick<FeatureRow, 'features'>[]): Normalization {
  const width = rows[0]?.features.length ?? 0;
  const center: number[] = [];
  const scale: number[] = [];
  for (let i = 0; i < width; i++) {
    const column = Float64Array.from(rows, (row) => row.features[i]!).sort();
    const median = quantile(column, 0.5);
    const mad =
      quantile(Float64Array.from(column, (v) => Math.abs(v - median)).sort(), 0.5) * 1.4826;
    const average = column.reduce((sum, v) => sum + v, 0) / column.length;
    const deviation = Math.sqrt(
      column.reduce((sum, v) => sum + (v - average) ** 2, 0) / column.length,
    );
    center.push(median);
    // A constant feature carries no information; scale 1 maps it to 0 instead of dividing by zero.
    scale.push(mad || deviation || 1);
  }
  return { center, scale };
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
}

export function normalize(features: number[], normalization: Normalization): number[] {
  return features.map((value, i) =>
    Math.max(-CLIP, Math.min(CLIP, (value - normalization.center[i]!) / normalization.scale[i]!)),
  );
}
