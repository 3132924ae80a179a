import type { EntityManager } from 'typeorm';
import { REARM_FRACTION } from '../ml/alert-rule';
import type { FeatureContribution } from '../ml/explain';
import { conditionDurations, NO_DURATIONS, recentMinutes } from './condition-durations';
import { explainInWords, mergeCyclic } from './explain-words';

/** Where a probability stands against the alert threshold (what colours a status page). */
export type RiskLevel = 'BELOW' | 'NEAR' | 'ABOVE';

/**
 * NEAR: at or above this share of the threshold (and below it). The alert's re-arm level: between
 * the two, an alert already raised still stands, and a new one is one step away.
 */
export const NEAR_SHARE = REARM_FRACTION;

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

/**
 * An endpoint's latest stored prediction, with its model's version, horizon and threshold.
 * `words`: explain it in words, with how long the named conditions have held (one more query, for
 * an explained prediction only); a status page, which shows no explanation, passes false.
 */
export async function latestPrediction(
  manager: EntityManager,
  endpointId: string,
  words = true,
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
  const sla = {
    latencyThresholdMs: row.latency_threshold_ms,
    latencyPercentile: row.latency_percentile,
    errorRateThreshold: Number(row.error_rate_threshold),
  };
  const explained = words && row.top_features.length > 0;
  const held = explained
    ? conditionDurations(
        await recentMinutes(manager, endpointId, row.minute),
        sla.latencyThresholdMs,
        sla.errorRateThreshold,
        row.minute,
      )
    : NO_DURATIONS;
  return {
    minute: row.minute,
    probability: row.probability,
    insufficientData: row.insufficient_reason,
    level: row.probability === null ? null : riskLevel(row.probability, row.threshold),
    aboveThreshold: row.above_threshold,
    topFeatures: mergeCyclic(row.top_features),
    explanations: explained ? explainInWords(row.top_features, sla, held) : [],
    modelId: row.model_id,
    modelVersion: row.version,
    horizonMinutes: row.horizon_minutes,
    threshold: row.threshold,
  };
}
