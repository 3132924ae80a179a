import type * as TF from '@tensorflow/tfjs';
import type { DataSource, EntityManager } from 'typeorm';
import { Endpoint } from '../entities/endpoint.entity';
import { withTenant } from '../tenancy/with-tenant';
import { alertMetrics, prAuc, type AlertMetrics, type MinuteSeries } from './alert-metrics';
import { fitNormalization, normalize, type Normalization } from './dataset';
import { featureRows, type FeatureRow } from './features';
import { predict, trainMlp, type EpochReport, type MlpOptions } from './mlp';

export interface EndpointRows {
  endpointId: string;
  rows: FeatureRow[];
}

export type ModelMetrics = AlertMetrics & { prAuc: number | null; threshold: number };

export interface Evaluation {
  model: ModelMetrics;
  burnRate: AlertMetrics;
  testFrom: Date;
  testTo: Date;
}

export interface TrainingOutcome {
  model: TF.Sequential;
  normalization: Normalization;
  threshold: number;
  epochs: number;
  evaluation: Evaluation;
  /** The held-out minutes, so an incumbent model can be judged on exactly the same ones. */
  test: EndpointRows[];
  trainingFrom: Date;
  trainingTo: Date;
}

/** Feature rows of some endpoints over (from, to]. */
export async function endpointFeatureRows(
  manager: EntityManager,
  endpoints: Endpoint[],
  from: Date,
  to: Date,
  horizon: number,
): Promise<EndpointRows[]> {
  const result: EndpointRows[] = [];
  for (const endpoint of endpoints)
    result.push({
      endpointId: endpoint.id,
      rows: await featureRows(manager, endpoint, from, to, horizon),
    });
  return result;
}

/** Feature rows of every active endpoint of a tenant over (from, to]. */
export async function tenantFeatureRows(
  dataSource: DataSource,
  tenantId: string,
  from: Date,
  to: Date,
  horizon: number,
): Promise<EndpointRows[]> {
  return withTenant(dataSource, tenantId, async (manager) =>
    endpointFeatureRows(
      manager,
      (await manager.find(Endpoint)).filter((e) => !e.archivedAt),
      from,
      to,
      horizon,
    ),
  );
}

/** The times that cut all endpoints' minutes 70 / 15 / 15, so the held-out part is the latest for all. */
function timeCuts(data: EndpointRows[]): [number, number] {
  const times = data.flatMap((d) => d.rows.map((r) => r.minute.getTime())).sort((a, b) => a - b);
  return [times[Math.floor(times.length * 0.7)]!, times[Math.floor(times.length * 0.85)]!];
}

function series(parts: Array<{ rows: FeatureRow[]; firing: boolean[] }>): MinuteSeries[] {
  return parts.map(({ rows, firing }) => ({
    minutes: rows.map((r) => r.minute),
    onset: rows.map((r) => r.onset),
    firing,
  }));
}

/** The alert threshold with the best event F1 on validation data (never on the held-out part). */
export function chooseThreshold(
  parts: Array<{ rows: FeatureRow[]; scores: number[] }>,
  horizon: number,
): number {
  const all = parts.flatMap((p) => p.scores).sort((a, b) => a - b);
  const candidates = [
    ...new Set(
      Array.from({ length: 40 }, (_, i) => all[Math.floor(((i + 60) / 100) * (all.length - 1))]!),
    ),
  ];
  let best = { threshold: 0.5, f1: -1 };
  for (const threshold of candidates) {
    const metrics = alertMetrics(
      series(parts.map((p) => ({ rows: p.rows, firing: p.scores.map((s) => s >= threshold) }))),
      horizon,
    );
    const recall = metrics.eventRecall ?? 0;
    const precision = metrics.precision ?? 0;
    const f1 = recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : 0;
    if (f1 > best.f1) best = { threshold, f1 };
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

/** A model with what it needs to score: its normalisation and alert threshold. */
export interface ScoringModel {
  model: TF.LayersModel;
  normalization: Normalization;
  threshold: number;
}

/** Probabilities for each endpoint's rows. */
export function scoreParts(
  tf: typeof TF,
  scoring: ScoringModel,
  parts: EndpointRows[],
): Array<{ rows: FeatureRow[]; scores: number[] }> {
  return parts.map((d) => ({
    rows: d.rows,
    scores: d.rows.length
      ? predict(
          tf,
          scoring.model,
          d.rows.map((r) => normalize(r.features, scoring.normalization)),
        )
      : [],
  }));
}

/** The model's alert (at its threshold) on some minutes, with its PR-AUC. */
export function evaluateModel(
  tf: typeof TF,
  scoring: ScoringModel,
  parts: EndpointRows[],
  horizon: number,
): ModelMetrics {
  const scored = scoreParts(tf, scoring, parts);
  const metrics = alertMetrics(
    series(
      scored.map((p) => ({ rows: p.rows, firing: p.scores.map((s) => s >= scoring.threshold) })),
    ),
    horizon,
  );
  const auc = prAuc(
    scored.flatMap((p) => p.scores),
    scored.flatMap((p) => p.rows.map((r) => r.label)),
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
 * Splits by time, normalises on the training part, trains, picks the threshold on validation,
 * and evaluates the model and the burn-rate alert on the same held-out minutes.
 */
export async function trainAndEvaluate(
  tf: typeof TF,
  data: EndpointRows[],
  horizon: number,
  options: MlpOptions,
  onEpoch?: (report: EpochReport) => void | Promise<void>,
  /** Fine-tune this model (its weights and normalisation) instead of starting from scratch. */
  base?: { model: TF.LayersModel; normalization: Normalization },
): Promise<TrainingOutcome> {
  const [validationFrom, testFrom] = timeCuts(data);
  const part = (from: number, to: number) =>
    data.map((d) => ({
      endpointId: d.endpointId,
      rows: d.rows.filter((r) => r.minute.getTime() >= from && r.minute.getTime() < to),
    }));
  const train = part(-Infinity, validationFrom);
  const validation = part(validationFrom, testFrom);
  const test = part(testFrom, Infinity);

  // Fine-tuning keeps the base model's normalisation: its weights expect inputs on that scale.
  const normalization = base?.normalization ?? fitNormalization(train.flatMap((d) => d.rows));
  const labelled = (parts: EndpointRows[]) => {
    const rows = parts.flatMap((d) => d.rows);
    return {
      x: rows.map((r) => normalize(r.features, normalization)),
      y: rows.map((r) => r.label),
    };
  };
  const { model, epochs } = await trainMlp(
    tf,
    labelled(train),
    labelled(validation),
    options,
    onEpoch,
    base?.model.getWeights(),
  );
  const threshold = chooseThreshold(
    scoreParts(tf, { model, normalization, threshold: 0 }, validation),
    horizon,
  );
  return {
    model,
    normalization,
    threshold,
    epochs,
    test,
    ...span(train, 'training'),
    evaluation: {
      model: evaluateModel(tf, { model, normalization, threshold }, test, horizon),
      burnRate: evaluateBurnRate(test, horizon),
      ...span(test, 'test'),
    },
  };
}
