import type * as TF from '@tensorflow/tfjs';
import type { DataSource } from 'typeorm';
import { activeEndpoints } from '../db/endpoint-queries';
import { calibrate } from '../ml/calibration';
import { explainScores, type FeatureContribution } from '../ml/explain';
import type { FeatureRow } from '../ml/features';
import { latestFeatureRows } from '../ml/latest-features';
import { normalize } from '../ml/dataset';
import { predict } from '../ml/mlp';
import { modelInputs } from '../ml/model-features';
import { ensureRollupState } from '../telemetry/rollup-state';
import { withTenant } from '../tenancy/with-tenant';
import type { ServingModel } from './model-cache';

/** A prediction older than this is not "current": the endpoint has gone quiet. */
export const FRESH_MINUTES = 15;

/**
 * Rows whose probability reaches this share of the threshold are explained, besides those above
 * it or crossing it: a risk that is climbing shows its reasons before it alerts. The others (most
 * endpoints, most minutes) are stored without `topFeatures`: explaining costs a network pass per
 * feature, 18 times the prediction.
 */
export const EXPLAIN_FROM_SHARE_OF_THRESHOLD = 0.8;

export interface ScoredEndpoint {
  endpointId: string;
  minute: Date;
  /** Calibrated; null: too little data this minute to forecast (`insufficient` says why). */
  probability: number | null;
  insufficient: string | null;
  aboveThreshold: boolean;
  /** The side of the threshold the endpoint's last stored prediction was on (null: none yet). */
  wasAbove: boolean | null;
  /** This minute starts a breach episode (an actual breach, for webhooks). */
  onset: boolean;
  /** Inside a breach episode: no forecast alert (src/scoring/alert-state.ts). */
  inEpisode: boolean;
  /** The burn-rate alert fires this minute (the fallback while the serving guard holds). */
  burnAlert: boolean;
  /** Empty when the row was neither above, near nor crossing the threshold. */
  top: FeatureContribution[];
}

/**
 * The newest feature row (within FRESH_MINUTES of `to`) of every active endpoint of a tenant,
 * from the rollups' incremental state: a few index probes per endpoint, all endpoints in one
 * statement (src/ml/latest-features.ts). Scoring and the watch of tenants without a model read it.
 */
export async function latestRowsOfTenant(
  dataSource: DataSource,
  tenantId: string,
  to: Date,
): Promise<Array<{ endpointId: string; row: FeatureRow }>> {
  return withTenant(dataSource, tenantId, async (manager) => {
    const ids = (await activeEndpoints(manager)).map((endpoint) => endpoint.id);
    await ensureRollupState(manager, ids);
    const rows = await latestFeatureRows(manager, ids, to, FRESH_MINUTES);
    return [...rows].map(([endpointId, row]) => ({ endpointId, row }));
  });
}

/** The last complete minute before `now`. */
export function lastCompleteMinute(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 60_000);
}

/**
 * Scores each active endpoint of a tenant at its latest complete minute with data (if within
 * FRESH_MINUTES), stores the predictions, and reports threshold crossings to the caller.
 */
export async function scoreTenant(
  tf: typeof TF,
  dataSource: DataSource,
  tenantId: string,
  serving: ServingModel,
  now: Date,
): Promise<ScoredEndpoint[]> {
  const { entry, network } = serving;
  const to = lastCompleteMinute(now);
  const latest = await latestRowsOfTenant(dataSource, tenantId, to);
  if (latest.length === 0) return [];
  return withTenant(dataSource, tenantId, async (manager) => {
    const previous: Array<{ endpoint_id: string; above_threshold: boolean }> = await manager.query(
      // One index probe per endpoint, however long its prediction history.
      `select e.id as endpoint_id, p.above_threshold
         from unnest($1::uuid[]) as e(id)
         cross join lateral (select above_threshold from predictions
                              where endpoint_id = e.id and minute <= $2 order by minute desc limit 1) p`,
      [latest.map((l) => l.endpointId), to],
    );
    const wasAbove = new Map(previous.map((p) => [p.endpoint_id, p.above_threshold]));
    // Every row through the network in one batch; then explanations only where they matter.
    const pick = modelInputs(entry.featureNames);
    const inputs = latest.map(({ row }) => {
      const raw = pick(row.features);
      return { normalized: normalize(raw, entry.normalization), raw };
    });
    const probabilities = predict(
      tf,
      network,
      inputs.map((input) => input.normalized),
    ).map((raw) => calibrate(raw, entry.calibration));
    const scored: ScoredEndpoint[] = latest.map(({ endpointId, row }, i) => ({
      endpointId,
      minute: row.minute,
      probability: row.insufficient ? null : probabilities[i]!,
      insufficient: row.insufficient,
      aboveThreshold: !row.insufficient && probabilities[i]! >= entry.threshold,
      wasAbove: wasAbove.get(endpointId) ?? null,
      onset: row.onset,
      inEpisode: row.inEpisode,
      burnAlert: row.burnAlert,
      top: [],
    }));
    const worthExplaining = scored.flatMap((s, i) =>
      s.aboveThreshold ||
      (s.wasAbove ?? false) !== s.aboveThreshold ||
      (s.probability ?? 0) >= entry.threshold * EXPLAIN_FROM_SHARE_OF_THRESHOLD
        ? [i]
        : [],
    );
    const explained = explainScores(
      tf,
      network,
      worthExplaining.map((i) => inputs[i]!),
      entry.featureNames,
      3,
      (raw) => calibrate(raw, entry.calibration),
    );
    worthExplaining.forEach((i, k) => (scored[i]!.top = explained[k]!.top));
    if (scored.length > 0) {
      await manager.query(
        `insert into predictions (tenant_id, endpoint_id, minute, model_id, probability, above_threshold, top_features, insufficient_reason)
         select $1, u.endpoint_id, u.minute, $2, u.probability, u.above, u.top, u.reason
           from unnest($3::uuid[], $4::timestamptz[], $5::float8[], $6::boolean[], $7::jsonb[], $8::text[]) as u(endpoint_id, minute, probability, above, top, reason)
         on conflict (tenant_id, endpoint_id, minute) do update
           set model_id = excluded.model_id, probability = excluded.probability, above_threshold = excluded.above_threshold,
               top_features = excluded.top_features, insufficient_reason = excluded.insufficient_reason, created_at = now()`,
        [
          tenantId,
          entry.id,
          scored.map((s) => s.endpointId),
          scored.map((s) => s.minute),
          scored.map((s) => s.probability),
          scored.map((s) => s.aboveThreshold),
          scored.map((s) => JSON.stringify(s.insufficient ? [] : s.top)),
          scored.map((s) => s.insufficient),
        ],
      );
    }
    return scored;
  });
}
