import type { EntityManager } from 'typeorm';
import type { Endpoint } from '../entities/endpoint.entity';
import { breachSql, slaWindowFrame } from '../telemetry/sla';

/**
 * The features of one endpoint-minute, computed in PostgreSQL with window functions over the
 * per-minute rollups (docs/DECISIONS.md says why SQL). Latency is taken relative to the endpoint's
 * own threshold, so one model serves endpoints of any speed. The list and its order are stored
 * with every model: a model only ever sees the features it was trained on.
 */
export const FEATURE_NAMES = [
  'p95_ratio', // p95 / latency threshold, this minute
  'p95_ratio_5m', // the same, averaged over 5 minutes
  'p95_trend', // 5-minute average minus 30-minute average of p95_ratio
  'spread_5m', // (p99 - p50) / threshold, 5-minute average
  'slow_frac_5m', // share of samples over the threshold, 5 minutes
  'slow_frac_15m',
  'err_rate_5m', // share of samples with an error kind, 5 minutes
  'err_rate_15m',
  'err_rate_60m',
  'fail_rate_15m', // timeouts and connection/dns/tls failures, 15 minutes
  'baseline_dev', // 5-minute p95_ratio / its 24-hour average, minus 1
  'traffic_5m_vs_60m', // samples per minute, 5 minutes over 60 minutes, minus 1
  'tod_sin', // time of day (UTC), cyclic
  'tod_cos',
  'dow_sin', // day of week, cyclic
  'dow_cos',
  'since_breach', // log(1 + minutes since the last breached minute) / log(1 + one day), capped at 1
] as const;

export interface FeatureRow {
  minute: Date;
  features: number[];
  /** 1 when a breach episode starts within the next `horizon` minutes (after this one). */
  label: 0 | 1;
  breached: boolean;
  /** This minute is the first of a breach episode (src/telemetry/sla.ts defines episodes). */
  onset: boolean;
  /**
   * Breached, or fewer than `windowMinutes` good minutes after a breached one: inside an episode.
   * Such minutes are neither training rows, nor alerts, nor onsets.
   */
  inEpisode: boolean;
  /**
   * The Google SRE Workbook multi-window multi-burn-rate alert fires this minute: bad-event burn
   * over 1 h and 5 min both above 14.4, or over 6 h and 30 min both above 6. The baseline models
   * are measured against.
   */
  burnAlert: boolean;
}

/**
 * Every row sees exactly a day of history before it (the query reaches a day before `from`), in
 * training and in scoring alike, so no feature may look further: since_breach saturates at a day.
 */
const DAY_MINUTES = 1440;

/** Share of two integer window sums, e.g. errors over samples in the last 5 minutes. */
function ratio(part: string, whole: string, window: string): string {
  return `(sum(r.${part}) over ${window})::float8 / nullif(sum(r.${whole}) over ${window}, 0)`;
}

/**
 * Feature rows for every minute of (from, to] that has a rollup. History before `from` (up to a
 * day) feeds the windows; the label looks `horizon` minutes past each minute.
 */
export async function featureRows(
  manager: EntityManager,
  endpoint: Endpoint,
  from: Date,
  to: Date,
  horizon: number,
): Promise<FeatureRow[]> {
  const h = Math.trunc(horizon);
  const win = Math.trunc(endpoint.windowMinutes);
  const rows: Array<{
    minute: Date;
    f: number[];
    label: boolean;
    breached: boolean;
    onset: boolean;
    in_episode: boolean;
    burn_alert: boolean;
  }> = await manager.query(
    `with r as (
       -- Counts stay integers, and the 24-hour average is taken over numeric: their sum/avg have
       -- inverse transition functions, so PostgreSQL slides those windows in O(1) per row. Over
       -- float8 it recomputes every frame: quadratic in the window (docs/DECISIONS.md).
       select minute, sample_count as n, error_count as e, slow_count as s, bad_count as b,
              errors_timeout + errors_connection + errors_dns + errors_tls as fails,
              latency_p50 / $4 as p50r, latency_p95 / $4 as p95r, latency_p99 / $4 as p99r
         from rollups_minute
        where endpoint_id = $1 and minute > $2::timestamptz - interval '1 day' and minute <= $3),
     w as (
       select r.minute, r.p95r,
              avg(r.p95r) over m5 as p95r_5m, avg(r.p95r) over m30 as p95r_30m, avg(r.p95r::numeric) over d1 as p95r_1d,
              avg(r.p99r - r.p50r) over m5 as spread_5m,
              ${ratio('s', 'n', 'm5')} as slow_5m, ${ratio('s', 'n', 'm15')} as slow_15m,
              ${ratio('e', 'n', 'm5')} as err_5m, ${ratio('e', 'n', 'm15')} as err_15m,
              ${ratio('e', 'n', 'm60')} as err_60m, ${ratio('fails', 'n', 'm15')} as fail_15m,
              (sum(r.n) over m5)::float8 / 5 as traffic_5m, (sum(r.n) over m60)::float8 / 60 as traffic_60m,
              (${ratio('b', 'n', 'm60')} > 14.4 * $6 and ${ratio('b', 'n', 'm5')} > 14.4 * $6)
                or (${ratio('b', 'n', 'h6')} > 6 * $6 and ${ratio('b', 'n', 'm30')} > 6 * $6) as burn_alert,
              ${breachSql(endpoint, '(sum(r.n) over sla)', '(sum(r.e) over sla)', '(sum(r.s) over sla)')} as breached
         from r
       window sla as (order by r.minute ${slaWindowFrame(endpoint)}),
              m5 as (order by r.minute range between interval '4 minutes' preceding and current row),
              m15 as (order by r.minute range between interval '14 minutes' preceding and current row),
              m30 as (order by r.minute range between interval '29 minutes' preceding and current row),
              m60 as (order by r.minute range between interval '59 minutes' preceding and current row),
              h6 as (order by r.minute range between interval '359 minutes' preceding and current row),
              d1 as (order by r.minute range between interval '1439 minutes' preceding and current row)),
     numbered as (select *, row_number() over (order by minute) as rn from w),
     marks as (
       select *,
              max(case when breached then rn end) over before as last_breach_rn,
              max(case when breached then minute end) over before as last_breach
         from numbered
       window before as (order by minute rows between unbounded preceding and 1 preceding)),
     -- Episodes: runs of breached minutes separated by fewer than windowMinutes good minutes are
     -- one (src/telemetry/sla.ts). A good minute within that many of a breach is still inside.
     flagged as (
       select *,
              breached and (last_breach_rn is null or rn - last_breach_rn - 1 >= ${win}) as onset,
              breached or (last_breach_rn is not null and rn - last_breach_rn < ${win}) as in_episode
         from marks),
     labelled as (
       select *,
              bool_or(onset) over (order by minute range between interval '1 minute' following and interval '${h} minutes' following) as label
         from flagged)
     select minute, label, breached, onset, in_episode, burn_alert, array[
              p95r, p95r_5m, p95r_5m - p95r_30m, spread_5m, slow_5m, slow_15m, err_5m, err_15m, err_60m, fail_15m,
              p95r_5m / nullif(p95r_1d, 0) - 1, traffic_5m / nullif(traffic_60m, 0) - 1,
              sin(2 * pi() * extract(epoch from minute)::float8 / 86400), cos(2 * pi() * extract(epoch from minute)::float8 / 86400),
              sin(2 * pi() * (extract(epoch from minute)::float8 / 86400 + 4) / 7), cos(2 * pi() * (extract(epoch from minute)::float8 / 86400 + 4) / 7),
              least(1, ln(1 + coalesce(extract(epoch from minute - last_breach) / 60, ${DAY_MINUTES})) / ln(1 + ${DAY_MINUTES}))
            ]::float8[] as f
       from labelled
      where minute > $2 and minute <= $5
      order by minute`,
    // $3 reaches `horizon` past `to`: the labels of the last minutes look that far ahead.
    [
      endpoint.id,
      from,
      new Date(to.getTime() + h * 60_000),
      endpoint.latencyThresholdMs,
      to,
      1 - endpoint.availabilityTarget,
    ],
  );
  return rows.map((row) => ({
    minute: row.minute,
    // A window can hold no samples (or no baseline): 0 is "nothing unusual", not a crash.
    features: row.f.map((value) => (value === null || !Number.isFinite(value) ? 0 : value)),
    label: row.label ? 1 : 0,
    breached: row.breached,
    onset: row.onset,
    inEpisode: row.in_episode,
    burnAlert: row.burn_alert === true,
  }));
}
