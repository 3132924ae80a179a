import type { AlertMetrics } from './alert-metrics';
import type { Evaluation, ModelMetrics } from './pipeline';

/** An evaluation as stored with a model (JSON): dates as ISO strings. */
export interface StoredEvaluation {
  model: ModelMetrics;
  burnRate: AlertMetrics;
  testFrom: string;
  testTo: string;
  /** The model that was active when this one trained, judged on the same held-out minutes. */
  incumbent: { modelId: string; version: number; metrics: ModelMetrics } | null;
  /**
   * Tenant models: the global model on the same held-out minutes (which of the two serves the
   * tenant follows from it), and how far the tenant's features sit from the aggregate's.
   */
  global?: {
    modelId: string;
    version: number;
    metrics: ModelMetrics;
    featureDistance: number;
  } | null;
}

export function toStoredEvaluation(
  evaluation: Evaluation,
  incumbent: StoredEvaluation['incumbent'],
  global: StoredEvaluation['global'] = null,
): StoredEvaluation {
  return {
    global,
    model: evaluation.model,
    burnRate: evaluation.burnRate,
    testFrom: evaluation.testFrom.toISOString(),
    testTo: evaluation.testTo.toISOString(),
    incumbent,
  };
}
