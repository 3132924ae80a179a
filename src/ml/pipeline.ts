import type * as TF from '@tensorflow/tfjs';
import {
  alertCounts,
  alertMetrics,
  metricsOf,
  prAuc,
  type AlertCounts,
  type AlertMetrics,
  type MinuteSeries,
} from './alert-metrics';
import { servedAlert } from './alert-rule';
import { calibrate, fitPlatt, type Calibration } from './calibration';
import { fitNormalization, normalize, type Normalization } from './dataset';
import type { FeatureRow } from './features';
import { predict, trainMlp, type EpochReport, type MlpOptions } from './mlp';
import { MODEL_FEATURES, modelInputs } from './model-features';

export interface EndpointRows {
  endpointId: string;
  rows: FeatureRow[];
}

export type PipelineOptions = MlpOptions & {
  /** What the threshold search maximises on validation (default DEFAULT_THRESHOLD_OBJECTIVE). */
  thresholdObjective?: ThresholdObjective;
  /**
   * What early stopping keeps the best epoch of: PR_AUC of the validation minutes (default), or
   * ALERT, the threshold objective the calibrated served alert reaches on validation.
   */
  earlyStopping?: 'PR_AUC' | 'ALERT';
  /** The features to learn from (default MODEL_FEATURES; a fine-tuned model keeps its base's). */
  featureNames?: readonly string[];
};

export const DEFAULT_THRESHOLD_OBJECTIVE: ThresholdObjective = 'LEAD_F1';

export type ModelMetrics = AlertMetrics & { prAuc: number | null; threshold: number };

export interface Evaluation {
  model: ModelMetrics;
  burnRate: AlertMetrics;
  testFrom: Date;
  testTo: Date;
}

export interface TrainingOutcome {
  model: TF.Sequential;
  /** The features the model learnt from, in its input order. */
  featureNames: readonly string[];
  normalization: Normalization;
  /** Platt scaling fitted on validation; `threshold` is on the calibrated scale. */
  calibration: Calibration | null;
  threshold: number;
  epochs: number;
  /** The epoch whose weights were kept (best validation PR-AUC, or alert objective: earlyStopping). */
  bestEpoch: number;
  evaluation: Evaluation;
  /** The minutes the calibration and the threshold were chosen on. */
  validation: EndpointRows[];
  /** The held-out minutes, so an incumbent model can be judged on exactly the same ones. */
  test: EndpointRows[];
  trainingFrom: Date;
  trainingTo: Date;
}

/**
 * Cuts all endpoints' minutes 70 / 15 / 15 by time, so the held-out part is the latest for all:
 * 0 train, 1 validation, 2 test per row. By rank, not by timestamp, so that many rows at one
 * time (fabricated one-row series in the global aggregate all end "now") cannot empty a part.
 */
function timeSplit(data: EndpointRows[]): Uint8Array[] {
  const order: Array<[number, number, number]> = [];
  data.forEach((d, s) => d.rows.forEach((r, i) => order.push([r.minute.getTime(), s, i])));
  order.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const assignment = data.map((d) => new Uint8Array(d.rows.length));
  const trainEnd = Math.floor(order.length * 0.7);
  const validationEnd = Math.floor(order.length * 0.85);
  order.forEach(([, s, i], rank) => {
    assignment[s]![i] = rank < trainEnd ? 0 : rank < validationEnd ? 1 : 2;
  });
  return assignment;
}

function series(parts: Array<{ rows: FeatureRow[]; firing: boolean[] }>): MinuteSeries[] {
  return parts.map(({ rows, firing }) => ({
    minutes: rows.map((r) => r.minute),
    onset: rows.map((r) => r.onset),
    inEpisode: rows.map((r) => r.inEpisode),
    firing,
  }));
}

/**
 * Candidate thresholds: quantiles of the scores over the whole tail (levels 1 - 10^-x up to
 * 1 - 1e-5, so a threshold can sit above all but a handful of minutes), plus every distinct score
 * among the highest ones. Useful thresholds of rare-event alerts live far in the tail.
 */
export function thresholdCandidates(scores: number[]): number[] {
  const sorted = Float64Array.from(scores).sort();
  const n = sorted.length;
  if (n === 0) return [0.5];
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.floor(q * n)))]!;
  const levels: number[] = [];
  for (let q = 0.5; q < 0.9; q += 0.02) levels.push(q);
  for (let x = 1; x <= 5 + 1e-9; x += 1 / 40) levels.push(1 - 10 ** -x);
  const top = Array.from(sorted.subarray(Math.max(0, n - 200)));
  return [...new Set([...levels.map(at), ...top])].sort((a, b) => a - b);
}

/**
 * What the threshold search maximises on validation, from the alert counts at one threshold.
 * EVENT_F1: recall and precision alike. LEAD_F1: the same, but a caught onset counts for
 * min(1, lead / FULL_LEAD_MINUTES) in the recall, so an alert that leaves time to act beats one a
 * minute before the breach (docs/DECISIONS.md: why).
 */
export type ThresholdObjective = 'EVENT_F1' | 'LEAD_F1';

/** The lead at which a caught onset counts in full for LEAD_F1. */
export const FULL_LEAD_MINUTES = 10;

export function objectiveValue(objective: ThresholdObjective, counts: AlertCounts): number {
  const { onsets, alerts, trueAlerts, leads } = counts;
  const caught =
    objective === 'LEAD_F1'
      ? leads.reduce((sum, lead) => sum + Math.min(1, lead / FULL_LEAD_MINUTES), 0)
      : leads.length;
  const recall = onsets > 0 ? caught / onsets : 0;
  const precision = alerts > 0 ? trueAlerts / alerts : 0;
  return recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : 0;
}

/**
 * How alerts are counted. SERVED: as Sentinel sends them (src/ml/alert-rule.ts: with the re-arm
 * hysteresis). RAW: every rise over the threshold, as before the rule was shared (for comparison).
 */
export type AlertCounting = 'SERVED' | 'RAW';

/** The alert of scored minutes at a threshold, for the metrics. */
function alertSeries(
  parts: Array<{ rows: FeatureRow[]; scores: number[] }>,
  threshold: number,
  counting: AlertCounting = 'SERVED',
): MinuteSeries[] {
  return series(
    parts.map((p) => ({
      rows: p.rows,
      firing:
        counting === 'SERVED'
          ? servedAlert(p.rows, p.scores, threshold)
          : p.scores.map((x) => x >= threshold),
    })),
  );
}

/**
 * The alert threshold with the best objective on validation data (never on the held-out part),
 * among those within the false-alert budget (per endpoint-day) when any is; ties go to the higher
 * threshold (fewer alerts). Alerts are judged as served: with the re-arm hysteresis.
 */
export function chooseThreshold(
  parts: Array<{ rows: FeatureRow[]; scores: number[] }>,
  horizon: number,
  falseAlertBudget = 1,
  objective: ThresholdObjective = DEFAULT_THRESHOLD_OBJECTIVE,
  counting: AlertCounting = 'SERVED',
): number {
  const outside = parts.flatMap((p) => p.scores.filter((_, i) => !p.rows[i]!.inEpisode));
  let best = { threshold: 0.5, value: -1, within: false };
  for (const threshold of thresholdCandidates(outside)) {
    const counts = alertCounts(alertSeries(parts, threshold, counting), horizon);
    const value = objectiveValue(objective, counts);
    const within = metricsOf(counts).falseAlertsPerEndpointDay <= falseAlertBudget;
    const better = within !== best.within ? within : value >= best.value - 1e-12;
    if (better) best = { threshold, value, within };
  }
  return best.threshold;
}

/** The first and last minute of some rows (no spread: there can be millions). */
function span<K extends string>(
  parts: EndpointRows[],
  key: K,
): Record<`${K}From` | `${K}To`, Date> {
  let from = Infinity;
  let to = -Infinity;
  for (const { rows } of parts) {
    for (const { minute } of rows) {
      from = Math.min(from, minute.getTime());
      to = Math.max(to, minute.getTime());
    }
  }
  return { [`${key}From`]: new Date(from), [`${key}To`]: new Date(to) } as Record<
    `${K}From` | `${K}To`,
    Date
  >;
}

/** A model with what it needs to score: its normalisation, calibration and alert threshold. */
export interface ScoringModel {
  model: TF.LayersModel;
  /** The features it was trained on: picked by name from the computed rows. */
  featureNames: readonly string[];
  normalization: Normalization;
  /** Null for models trained before calibration: their raw output is used. */
  calibration?: Calibration | null;
  threshold: number;
}

/** Calibrated probabilities for each endpoint's rows (0 for a minute too thin to forecast). */
export function scoreParts(
  tf: typeof TF,
  scoring: ScoringModel,
  parts: EndpointRows[],
): Array<{ rows: FeatureRow[]; scores: number[] }> {
  const pick = modelInputs(scoring.featureNames);
  return parts.map((d) => ({
    rows: d.rows,
    scores: d.rows.length
      ? predict(
          tf,
          scoring.model,
          d.rows.map((r) => normalize(pick(r.features), scoring.normalization)),
        ).map((p, i) => (d.rows[i]!.insufficient ? 0 : calibrate(p, scoring.calibration)))
      : [],
  }));
}

/** The model's alert (at its threshold, counted as `counting` says) on some minutes, with its PR-AUC. */
export function evaluateModel(
  tf: typeof TF,
  scoring: ScoringModel,
  parts: EndpointRows[],
  horizon: number,
  counting: AlertCounting = 'SERVED',
): ModelMetrics {
  const scored = scoreParts(tf, scoring, parts);
  const metrics = alertMetrics(alertSeries(scored, scoring.threshold, counting), horizon);
  // PR-AUC over the minutes a forecast is for: outside episodes.
  const outside = scored.map((p) => ({
    scores: p.scores.filter((_, i) => !p.rows[i]!.inEpisode),
    labels: p.rows.filter((r) => !r.inEpisode).map((r) => r.label),
  }));
  const auc = prAuc(
    outside.flatMap((p) => p.scores),
    outside.flatMap((p) => p.labels),
  );
  return { ...metrics, threshold: scoring.threshold, prAuc: auc };
}

/** The burn-rate alert on the same minutes. */
export function evaluateBurnRate(parts: EndpointRows[], horizon: number): AlertMetrics {
  return alertMetrics(
    series(parts.map((d) => ({ rows: d.rows, firing: d.rows.map((r) => r.burnAlert) }))),
    horizon,
  );
}

/**
 * Splits by time, normalises on the training part, trains (early stopping on validation PR-AUC),
 * calibrates and picks the threshold on validation, and evaluates the model and the burn-rate
 * alert on the same held-out minutes. Minutes inside a breach episode are not training rows.
 */
export async function trainAndEvaluate(
  tf: typeof TF,
  data: EndpointRows[],
  horizon: number,
  options: PipelineOptions,
  onEpoch?: (report: EpochReport) => void | Promise<void>,
  /** Fine-tune this model (its weights, features and normalisation) instead of starting afresh. */
  base?: { model: TF.LayersModel; featureNames: readonly string[]; normalization: Normalization },
  /** False alerts per endpoint-day the threshold should stay within on validation. */
  falseAlertBudget = 1,
): Promise<TrainingOutcome> {
  const assignment = timeSplit(data);
  const part = (which: number) =>
    data.map((d, s) => ({
      endpointId: d.endpointId,
      rows: d.rows.filter((_, i) => assignment[s]![i] === which),
    }));
  const train = part(0);
  const validation = part(1);
  const test = part(2);

  // Fine-tuning keeps the base model's features and normalisation: its weights expect them.
  const featureNames = base?.featureNames ?? options.featureNames ?? MODEL_FEATURES;
  const pick = modelInputs(featureNames);
  const inputs = (rows: FeatureRow[]) => rows.map((r) => pick(r.features));
  const normalization =
    base?.normalization ??
    fitNormalization(inputs(train.flatMap((d) => d.rows)).map((features) => ({ features })));
  const labelled = (parts: EndpointRows[]) => {
    // Neither minutes inside an episode nor minutes too thin to forecast are training rows.
    const rows = parts.flatMap((d) => d.rows.filter((r) => !r.inEpisode && !r.insufficient));
    return {
      x: inputs(rows).map((features) => normalize(features, normalization)),
      y: rows.map((r) => r.label),
    };
  };
  const objective = options.thresholdObjective ?? DEFAULT_THRESHOLD_OBJECTIVE;
  /** Calibration and threshold fitted on validation, and the objective they reach there. */
  const fitAlert = (network: TF.LayersModel) => {
    const raw = scoreParts(
      tf,
      { model: network, featureNames, normalization, threshold: 0 },
      validation,
    );
    const usable = (r: FeatureRow) => !r.inEpisode && !r.insufficient;
    const calibration = fitPlatt(
      raw.flatMap((p) => p.scores.filter((_, i) => usable(p.rows[i]!))),
      raw.flatMap((p) => p.rows.filter(usable).map((r) => r.label)),
    );
    const calibrated = raw.map((p) => ({
      rows: p.rows,
      scores: p.scores.map((x) => calibrate(x, calibration)),
    }));
    const threshold = chooseThreshold(calibrated, horizon, falseAlertBudget, objective);
    const value = objectiveValue(
      objective,
      alertCounts(alertSeries(calibrated, threshold), horizon),
    );
    return { calibration, threshold, value };
  };
  const { model, epochs, bestEpoch } = await trainMlp(
    tf,
    labelled(train),
    labelled(validation),
    options,
    onEpoch,
    base?.model.getWeights(),
    options.earlyStopping === 'ALERT' ? (network) => fitAlert(network).value : undefined,
  );
  const { calibration, threshold } = fitAlert(model);
  const scoring = { model, featureNames, normalization, calibration, threshold };
  return {
    model,
    featureNames,
    normalization,
    calibration,
    threshold,
    epochs,
    bestEpoch,
    validation,
    test,
    ...span(train, 'training'),
    evaluation: {
      model: evaluateModel(tf, scoring, test, horizon),
      burnRate: evaluateBurnRate(test, horizon),
      ...span(test, 'test'),
    },
  };
}
