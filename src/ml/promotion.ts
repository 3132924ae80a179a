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

export interface GateDecision {
  promote: boolean;
  /** Why, in words: stored with the model (`model.promotionDecision`). */
  reason: string;
}

const f = (n: number) => n.toFixed(2);

/**
 * The promotion gate: on the same held-out minutes, a model is promoted automatically only if it
 * beats the burn-rate alert on event F1, stays within the false-alert budget (per endpoint-day),
 * and beats the incumbent (when there is one; `incumbent` undefined means it could not be judged
 * against the active model).
 */
export function promotionGate(
  candidate: ModelMetrics,
  burnRate: AlertMetrics,
  incumbent: ModelMetrics | null | undefined,
  falseAlertBudget: number,
): GateDecision {
  const own = eventF1(candidate);
  const burn = eventF1(burnRate);
  if (!(own > burn))
    return {
      promote: false,
      reason: `event F1 ${f(own)} does not beat the burn-rate alert's ${f(burn)} on the same held-out minutes`,
    };
  if (candidate.falseAlertsPerEndpointDay > falseAlertBudget)
    return {
      promote: false,
      reason: `${f(candidate.falseAlertsPerEndpointDay)} false alerts per endpoint-day, over the budget of ${f(falseAlertBudget)}`,
    };
  if (incumbent === undefined)
    return {
      promote: false,
      reason: 'the active model could not be compared on the same held-out minutes',
    };
  if (incumbent && !beats(candidate, incumbent))
    return {
      promote: false,
      reason: `event F1 ${f(own)} does not beat the active model's ${f(eventF1(incumbent))} on the same held-out minutes`,
    };
  return {
    promote: true,
    reason: `event F1 ${f(own)} beats the burn-rate alert's ${f(burn)}${incumbent ? ` and the active model's ${f(eventF1(incumbent))}` : ''}, with ${f(candidate.falseAlertsPerEndpointDay)} false alerts per endpoint-day (budget ${f(falseAlertBudget)})`,
  };
}
