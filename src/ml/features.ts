import type { EntityManager } from 'typeorm';
import type { Endpoint } from '../entities/endpoint.entity';
import { breachSql, slaWindowFrame } from '../telemetry/sla';

/**
 * The features of one endpoint-minute, computed in PostgreSQL with window functions over the
 * per-minute rollups (docs/DECISIONS.md says why SQL). Everything is relative to the endpoint's
 * own SLA (latency / threshold, error rate / errorRateThreshold, slow share / (1 - percentile))
 * and to its own recent normal (its usual level at this hour of the day over the previous days),
 * so one model serves endpoints whose normal sits at 20% or at 80% of their threshold. This is
 * what the query computes, in order; a model stores the names it was trained on and is given
 * exactly those (src/ml/model-features.ts), so it only ever sees the features it learnt from.
 */
export const FEATURE_NAMES = [
  'p95_ratio', // p95 / latency threshold, this minute
  'p95_ratio_5m', // the same, averaged over 5 minutes
  'p95_ratio_max_5m', // its maximum over the last 5 minutes
  'p95_slope_5_15', // 5-minute minus 15-minute average of p95_ratio
  'p95_slope_15_60', // 15-minute minus 60-minute average
  'p95_slope_60_240', // 60-minute minus 4-hour average
  'p95_vs_usual', // 15-minute p95_ratio / its usual level at this hour (previous 3 days), minus 1
  'spread_5m', // (p99 - p50) / threshold, 5-minute average
  'slow_sla_5m', // share of successful samples over the threshold / (1 - percentile), 5 minutes
  'slow_sla_15m',
  'slow_sla_4h',
  'err_sla_5m', // error rate / errorRateThreshold, 5 minutes
  'err_sla_15m',
  'err_sla_60m',
  'err_sla_4h',
  'err_sla_max_5m', // the worst single minute of the last 5
  'err_slope_15_60', // err_sla_15m minus err_sla_60m
  'err_vs_usual', // log of the 60-minute error rate over its usual level at this hour
  'fail_sla_15m', // timeouts and connection/dns/tls failures / errorRateThreshold, 15 minutes
  'baseline_dev', // 5-minute p95_ratio / its 24-hour average, minus 1
  'traffic_5m_vs_60m', // samples per minute, 5 minutes over 60 minutes, minus 1
  'data_sufficiency', // samples in the last 15 minutes / the usual number (4-hour rate), capped at 1
  // Time of day (UTC) and day of week, cyclic: computed for models trained before 2026-11-30,
  // which learnt from them; new models do not (src/ml/model-features.ts says why).
  'tod_sin',
  'tod_cos',
  'dow_sin',
  'dow_cos',
  'since_breach', // log(1 + minutes since the last breached minute) / log(1 + one day), capped at 1
] as const;

/**
 * A minute whose forecast would stand on too little data: fewer than this share of the samples
 * the endpoint usually has in 15 minutes (or fewer than MIN_SAMPLES_15M). One sample after a
 * 17-minute gap is not a signal.
 */
export const MIN_DATA_SHARE = 0.25;
export const MIN_SAMPLES_15M = 2;

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
  /** Why this minute is too thin to forecast (null: enough data). Not a training row either. */
  insufficient: string | null;
}

/**
 * Every row sees exactly a day of history before it (the query reaches a day before `from`), in
 * training and in scoring alike, so no window may look further: since_breach saturates at a day.
 * The usual level at this hour reads hourly aggregates of the USUAL_DAYS days before.
 */
export const DAY_MINUTES = 1440;
export const USUAL_DAYS = 3;

/**
 * The feature vector, in FEATURE_NAMES order, from one row `l` of window aggregates (p95r,
 * p95r_5m, ... as both the batch query below and src/ml/latest-features.ts name them) and `u`,
 * the usual level at this hour. One expression for both, so they cannot drift apart.
 * `slowAllowed` and `errorRate` are SQL for 1 - percentile/100 and the error-rate threshold.
 */
export function featureVectorSql(slowAllowed: string, errorRate: string): string {
  const day = DAY_MINUTES;
  return `array[
              l.p95r, l.p95r_5m, l.p95r_max5, l.p95r_5m - l.p95r_15m, l.p95r_15m - l.p95r_60m, l.p95r_60m - l.p95r_4h,
              l.p95r_15m / nullif(u.usual_p95r, 0) - 1,
              l.spread_5m, l.slow_5m / ${slowAllowed}, l.slow_15m / ${slowAllowed}, l.slow_4h / ${slowAllowed},
              l.err_5m / ${errorRate}, l.err_15m / ${errorRate}, l.err_60m / ${errorRate}, l.err_4h / ${errorRate}, l.err_max5 / ${errorRate},
              (l.err_15m - l.err_60m) / ${errorRate},
              ln((coalesce(l.err_60m, 0) + 0.05 * ${errorRate}) / (coalesce(u.usual_err, l.err_4h, 0) + 0.05 * ${errorRate})),
              l.fail_15m / ${errorRate},
              l.p95r_5m / nullif(l.p95r_1d, 0) - 1, l.traffic_5m / nullif(l.traffic_60m, 0) - 1,
              least(1, l.n15 / nullif(l.usual15, 0)),
              sin(2 * pi() * extract(epoch from l.minute)::float8 / 86400), cos(2 * pi() * extract(epoch from l.minute)::float8 / 86400),
              sin(2 * pi() * (extract(epoch from l.minute)::float8 / 86400 + 4) / 7), cos(2 * pi() * (extract(epoch from l.minute)::float8 / 86400 + 4) / 7),
              least(1, ln(1 + coalesce(extract(epoch from l.minute - l.last_breach) / 60, ${day})) / ln(1 + ${day}))
            ]::float8[]`;
}

/** Share of successful samples over the latency threshold in a window (errors excluded). */
function slow(window: string): string {
  return `(sum(r.s) over ${window})::float8 / nullif(sum(r.n - r.e) over ${window}, 0)`;
}

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
    n15: number;
    usual15: number | null;
  }> = await manager.query(
    `with r as (
       -- Counts stay integers, and long averages are taken over numeric: their sum/avg have
       -- inverse transition functions, so PostgreSQL slides those windows in O(1) per row. Over
       -- float8 it recomputes every frame: quadratic in the window (docs/DECISIONS.md).
       select minute, sample_count as n, error_count as e, slow_count as s, bad_count as b,
              errors_timeout + errors_connection + errors_dns + errors_tls as fails,
              latency_p50 / $4 as p50r, latency_p95 / $4 as p95r, latency_p99 / $4 as p99r
         from rollups_minute
        where endpoint_id = $1 and minute > $2::timestamptz - interval '1 day' and minute <= $3),
     -- The usual level at each hour of the day: the same hour on each of the previous days.
     hourly as (
       select date_trunc('hour', minute) as hour, avg(latency_p95 / $4) as p95r,
              sum(error_count)::float8 / nullif(sum(sample_count), 0) as err
         from rollups_minute
        where endpoint_id = $1 and minute > $2::timestamptz - interval '${USUAL_DAYS + 1} days' and minute <= $3
        group by 1),
     usual as (
       select hour,
              avg(p95r) over same_hour as usual_p95r, avg(err) over same_hour as usual_err
         from hourly
       window same_hour as (partition by extract(hour from hour) order by hour
                            range between interval '${USUAL_DAYS} days' preceding and interval '1 day' preceding)),
     w as (
       select r.minute, r.p95r,
              avg(r.p95r) over m5 as p95r_5m, max(r.p95r) over m5 as p95r_max5, avg(r.p95r) over m15 as p95r_15m,
              avg(r.p95r::numeric) over m60 as p95r_60m, avg(r.p95r::numeric) over h4 as p95r_4h,
              avg(r.p95r::numeric) over d1 as p95r_1d,
              avg(r.p99r - r.p50r) over m5 as spread_5m,
              ${slow('m5')} as slow_5m, ${slow('m15')} as slow_15m, ${slow('h4')} as slow_4h,
              ${ratio('e', 'n', 'm5')} as err_5m, ${ratio('e', 'n', 'm15')} as err_15m,
              ${ratio('e', 'n', 'm60')} as err_60m, ${ratio('e', 'n', 'h4')} as err_4h,
              max(r.e::float8 / nullif(r.n, 0)) over m5 as err_max5,
              ${ratio('fails', 'n', 'm15')} as fail_15m,
              (sum(r.n) over m5)::float8 / 5 as traffic_5m, (sum(r.n) over m60)::float8 / 60 as traffic_60m,
              coalesce(sum(r.n) over m15, 0) as n15, (sum(r.n) over h4)::float8 / 240 * 15 as usual15,
              (${ratio('b', 'n', 'm60')} > 14.4 * $6 and ${ratio('b', 'n', 'm5')} > 14.4 * $6)
                or (${ratio('b', 'n', 'h6')} > 6 * $6 and ${ratio('b', 'n', 'm30')} > 6 * $6) as burn_alert,
              ${breachSql(endpoint, '(sum(r.n) over sla)', '(sum(r.e) over sla)', '(sum(r.s) over sla)')} as breached
         from r
       window sla as (order by r.minute ${slaWindowFrame(endpoint)}),
              m5 as (order by r.minute range between interval '4 minutes' preceding and current row),
              m15 as (order by r.minute range between interval '14 minutes' preceding and current row),
              m30 as (order by r.minute range between interval '29 minutes' preceding and current row),
              m60 as (order by r.minute range between interval '59 minutes' preceding and current row),
              h4 as (order by r.minute range between interval '239 minutes' preceding and current row),
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
     -- A breach a day or more before is no longer one (since_breach saturates there too), so a
     -- row does not depend on how far back the query happens to reach.
     recent as (
       select *, coalesce(last_breach > minute - interval '1 day', false) as recent_breach from marks),
     flagged as (
       select *,
              breached and (not recent_breach or rn - last_breach_rn - 1 >= ${win}) as onset,
              breached or (recent_breach and rn - last_breach_rn < ${win}) as in_episode
         from recent),
     labelled as (
       select *,
              bool_or(onset) over (order by minute range between interval '1 minute' following and interval '${h} minutes' following) as label
         from flagged)
     select l.minute, l.label, l.breached, l.onset, l.in_episode, l.burn_alert, l.n15::int as n15, l.usual15,
            ${featureVectorSql('$7', '$8')} as f
       from labelled l left join usual u on u.hour = date_trunc('hour', l.minute)
      where l.minute > $2 and l.minute <= $5
      order by l.minute`,
    // $3 reaches `horizon` past `to`: the labels of the last minutes look that far ahead.
    [
      endpoint.id,
      from,
      new Date(to.getTime() + h * 60_000),
      endpoint.latencyThresholdMs,
      to,
      1 - endpoint.availabilityTarget,
      1 - endpoint.latencyPercentile / 100,
      Number(endpoint.errorRateThreshold),
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
    insufficient: insufficiency(row.n15, row.usual15),
  }));
}

/** Why a minute is too thin to forecast, or null. */
export function insufficiency(samples15: number, usual15: number | null): string | null {
  const needed = Math.max(MIN_SAMPLES_15M, MIN_DATA_SHARE * (usual15 ?? 0));
  if (samples15 >= needed) return null;
  return `only ${samples15} sample${samples15 === 1 ? '' : 's'} in the last 15 minutes (at least ${Math.ceil(needed)} needed)`;
}
