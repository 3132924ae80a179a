import { FEATURE_NAMES } from './features';

/**
 * The calendar features (time of day, day of week) are still computed, so that models trained
 * with them keep serving after an upgrade, but new models do not learn from them. With the two to
 * four weeks of history a model trains on, they mostly let the network remember when past
 * incidents happened (a Tuesday at 14:00) instead of what they looked like; the endpoint's usual
 * level at this hour already carries the daily pattern, relative to the endpoint itself; and a
 * global model would carry one tenant's clock to another. Measured on the forecasting benchmark
 * (docs/BENCHMARKS.md, docs/DECISIONS.md).
 */
const NOT_LEARNT: ReadonlySet<string> = new Set(['tod_sin', 'tod_cos', 'dow_sin', 'dow_cos']);

/** The features a model trained now learns from, in order. */
export const MODEL_FEATURES: readonly string[] = FEATURE_NAMES.filter((n) => !NOT_LEARNT.has(n));

/**
 * Where each of a model's features sits in a computed row, or null when this version does not
 * compute one of them (such a model cannot serve).
 */
export function featurePositions(names: readonly string[]): number[] | null {
  const found = names.map((name) => (FEATURE_NAMES as readonly string[]).indexOf(name));
  return found.includes(-1) ? null : found;
}

/** featurePositions, or the reason a model with these features is refused. */
export function requirePositions(names: readonly string[]): number[] {
  const positions = featurePositions(names);
  if (!positions)
    throw new Error(`model features [${names.join(', ')}] are not the ones this version computes`);
  return positions;
}

/**
 * Picks, from a computed row, the features a model trained on `names` takes, in its order. The
 * positions are looked up once here, not per row (a training run picks from millions of rows).
 */
export function modelInputs(names: readonly string[]): (features: readonly number[]) => number[] {
  const positions = requirePositions(names);
  return (features) => positions.map((i) => features[i]!);
}
