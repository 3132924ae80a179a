import type { EntityManager } from 'typeorm';
import type { FeatureContribution } from '../ml/explain';

export interface LatestPrediction {
  minute: Date;
  probability: number;
  aboveThreshold: boolean;
  topFeatures: FeatureContribution[];
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
    probability: number;
    above_threshold: boolean;
    top_features: FeatureContribution[];
    model_id: string;
    version: number;
    horizon_minutes: number;
    threshold: number;
  }> = await manager.query(
    `select p.minute, p.probability, p.above_threshold, p.top_features, p.model_id, m.version, m.horizon_minutes, m.threshold
         from predictions p join models m on m.id = p.model_id -- its own model or the global one (RLS shows both)
        where p.endpoint_id = $1 order by p.minute desc limit 1`,
    [endpointId],
  );
  if (!row) return null;
  return {
    minute: row.minute,
    probability: row.probability,
    aboveThreshold: row.above_threshold,
    topFeatures: row.top_features,
    modelId: row.model_id,
    modelVersion: row.version,
    horizonMinutes: row.horizon_minutes,
    threshold: row.threshold,
  };
}
