import type { AlertMetrics } from './alert-metrics';
import type { ModelMetrics } from './pipeline';

/** Harmonic mean of event recall and precision: what an on-call engineer feels of an alert. */
export function eventF1(metrics: AlertMetrics): number {
  const recall = metrics.eventRecall ?? 0;
  const precision = metrics.precision ?? 0;
  return recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : 0;
}

/**
 * Whether a candidate should replace the incumbent, both judged on the same held-out minutes:
 * a better event F1, or an equal one with a better PR-AUC. A tie keeps the incumbent (no churn).
 */
export function beats(candidate: ModelMetrics, incumbent: ModelMetrics): boolean {
  const difference = eventF1(candidate) - eventF1(incumbent);
  if (Math.abs(difference) > 1e-9) return difference > 0;
  return (candidate.prAuc ?? 0) > (incumbent.prAuc ?? 0);
}
