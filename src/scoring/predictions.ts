import type { EntityManager } from 'typeorm';
import type { FeatureContribution } from '../ml/explain';
import { explainInWords, mergeCyclic } from './explain-words';

/** Where a probability stands against the alert threshold (what colours a status page). */
export type RiskLevel = 'BELOW' | 'NEAR' | 'ABOVE';

/** NEAR: at or above this share of the threshold (and below it). */
export const NEAR_SHARE = 0.5;

export function riskLevel(probability: number, threshold: number): RiskLevel {
  if (probability >= threshold) return 'ABOVE';
  return probability >= threshold * NEAR_SHARE ? 'NEAR' : 'BELOW';
}

export interface LatestPrediction {
  minute: Date;
  /** Null when the minute stood on too little data; `insufficientData` says why. */
  probability: number | null;
  insufficientData: string | null;
  level: RiskLevel | null;
  aboveThreshold: boolean;
  topFeatures: FeatureContribution[];
  /** The top features in a person's words. */
  explanations: string[];
  modelId: string;
  modelVersion: number;
  horizonMinutes: number;
  threshold: number;
}

/** An endpoint's latest stored prediction, with its model's version, horizon and threshold. */
export async function latestPrediction(
  manager: EntityManager,
  endpointId: string,
): Promise<LatestPrediction | null> {
  const [row]: Array<{
    minute: Date;
    probability: number | null;
    insufficient_reason: string | null;
    above_threshold: boolean;
    top_features: FeatureContribution[];
    latency_threshold_ms: number;
    latency_percentile: number;
    error_rate_threshold: number;
    model_id: string;
    version: number;
    horizon_minutes: number;
    threshold: number;
  }> = await manager.query(
    `select p.minute, p.probability, p.insufficient_reason, p.above_threshold, p.top_features, p.model_id, m.version, m.horizon_minutes,
            m.threshold, e.latency_threshold_ms, e.latency_percentile, e.error_rate_threshold
         from predictions p join models m on m.id = p.model_id -- its own model or the global one (RLS shows both)
         join endpoints e on e.id = p.endpoint_id
        where p.endpoint_id = $1 order by p.minute desc limit 1`,
    [endpointId],
  );
  if (!row) return null;
  return {
    minute: row.minute,
    probability: row.probability,
    insufficientData: row.insufficient_reason,
    level: row.probability === null ? null : riskLevel(row.probability, row.threshold),
    aboveThreshold: row.above_threshold,
    topFeatures: mergeCyclic(row.top_features),
    explanations: explainInWords(row.top_features, {
      latencyThresholdMs: row.latency_threshold_ms,
      latencyPercentile: row.latency_percentile,
      errorRateThreshold: Number(row.error_rate_threshold),
    }),
    modelId: row.model_id,
    modelVersion: row.version,
    horizonMinutes: row.horizon_minutes,
    threshold: row.threshold,
  };
}
