import type * as TF from '@tensorflow/tfjs';
import type { DataSource } from 'typeorm';
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

export interface Evaluation {
  model: AlertMetrics & { prAuc: number | null; threshold: number };
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
}

/** Feature rows of every active endpoint of a tenant over (from, to]. */
export async function tenantFeatureRows(dataSource: DataSource, tenantId: string, from: Date, to: Date, horizon: number): Promise<EndpointRows[]> {
  return withTenant(dataSource, tenantId, async (manager) => {
    const endpoints = await manager.find(Endpoint);
    const result: EndpointRows[] = [];
    for (const endpoint of endpoints.filter((e) => !e.archivedAt)) {
      result.push({ endpointId: endpoint.id, rows: await featureRows(manager, endpoint, from, to, horizon) });
    }
    return result;
  });
}

/** The times that cut all endpoints' minutes 70 / 15 / 15, so the held-out part is the latest for all. */
function timeCuts(data: EndpointRows[]): [number, number] {
  const times = data.flatMap((d) => d.rows.map((r) => r.minute.getTime())).sort((a, b) => a - b);
  return [times[Math.floor(times.length * 0.7)]!, times[Math.floor(times.length * 0.85)]!];
}

function series(parts: Array<{ rows: FeatureRow[]; firing: boolean[] }>): MinuteSeries[] {
  return parts.map(({ rows, firing }) => ({ minutes: rows.map((r) => r.minute), onset: rows.map((r) => r.onset), firing }));
}

/** The alert threshold with the best event F1 on validation data (never on the held-out part). */
export function chooseThreshold(parts: Array<{ rows: FeatureRow[]; scores: number[] }>, horizon: number): number {
  const all = parts.flatMap((p) => p.scores).sort((a, b) => a - b);
  const candidates = [...new Set(Array.from({ length: 40 }, (_, i) => all[Math.floor(((i + 60) / 100) * (all.length - 1))]!))];
  let best = { threshold: 0.5, f1: -1 };
  for (const threshold of candidates) {
    const metrics = alertMetrics(series(parts.map((p) => ({ rows: p.rows, firing: p.scores.map((s) => s >= threshold) }))), horizon);
    const recall = metrics.eventRecall ?? 0;
    const precision = metrics.precision ?? 0;
    const f1 = recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : 0;
    if (f1 > best.f1) best = { threshold, f1 };
  }
  return best.threshold;
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
): Promise<TrainingOutcome> {
  const [validationFrom, testFrom] = timeCuts(data);
  const part = (from: number, to: number) =>
    data.map((d) => ({ endpointId: d.endpointId, rows: d.rows.filter((r) => r.minute.getTime() >= from && r.minute.getTime() < to) }));
  const train = part(-Infinity, validationFrom);
  const validation = part(validationFrom, testFrom);
  const test = part(testFrom, Infinity);

  const normalization = fitNormalization(train.flatMap((d) => d.rows));
  const labelled = (parts: EndpointRows[]) => {
    const rows = parts.flatMap((d) => d.rows);
    return { x: rows.map((r) => normalize(r.features, normalization)), y: rows.map((r) => r.label) };
  };
  const { model, epochs } = await trainMlp(tf, labelled(train), labelled(validation), options, onEpoch);
  const scored = (parts: EndpointRows[]) =>
    parts.map((d) => ({ rows: d.rows, scores: d.rows.length ? predict(tf, model, d.rows.map((r) => normalize(r.features, normalization))) : [] }));

  const threshold = chooseThreshold(scored(validation), horizon);
  const testScored = scored(test);
  const modelMetrics = alertMetrics(series(testScored.map((p) => ({ rows: p.rows, firing: p.scores.map((s) => s >= threshold) }))), horizon);
  const burnMetrics = alertMetrics(series(test.map((d) => ({ rows: d.rows, firing: d.rows.map((r) => r.burnAlert) }))), horizon);
  const testTimes = test.flatMap((d) => d.rows.map((r) => r.minute.getTime()));
  return {
    model,
    normalization,
    threshold,
    epochs,
    evaluation: {
      model: { ...modelMetrics, threshold, prAuc: prAuc(testScored.flatMap((p) => p.scores), testScored.flatMap((p) => p.rows.map((r) => r.label))) },
      burnRate: burnMetrics,
      testFrom: new Date(Math.min(...testTimes)),
      testTo: new Date(Math.max(...testTimes)),
    },
  };
}
