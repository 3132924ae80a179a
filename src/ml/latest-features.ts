import type { EntityManager } from 'typeorm';
import {
  DAY_MINUTES,
  featureVectorSql,
  insufficiency,
  USUAL_DAYS,
  type FeatureRow,
} from './features';
import {
  beforeFirst,
  totalsBefore as totalsBeforeOf,
  type RunTotal,
} from '../telemetry/minute-totals';

/**
 * The newest feature row of many endpoints at once, from the incremental state on the rollup rows
 * (running totals, breach flags, episode state: migrations/0014_rollup_state.sql) instead of a
 * day of window functions per endpoint. Per endpoint that is a few index probes: its newest row,
 * its last 15 rows (the short float averages and maxima), the rows at the start of each longer
 * window, and the hour boundaries of the usual level. Each window sum is the difference of two
 * running totals. The numbers are those of `featureRows()` for the same minute (the vector is
 * the same SQL expression; test/rollup-state.test.ts compares every feature); `label` is 0, as
 * the future is not known yet.
 *
 * Callers make sure the rows have state (`ensureRollupState`, src/telemetry/rollup-state.ts).
 */

/** Windows whose sums come from running totals, in minutes; 5 and 15 come from the recent rows. */
const LONG_WINDOWS = [30, 60, 240, 360, DAY_MINUTES] as const;
const TOTALS: RunTotal[] = [
  'run_rows',
  'run_n',
  'run_e',
  'run_s',
  'run_b',
  'run_f',
  'run_p95',
  'run_p95_rows',
];
const totalsBefore = (alias: string, bound: string) => totalsBeforeOf(alias, bound, TOTALS);

/** Sum of a running total over the window that ends at the current row and starts after `alias`. */
function delta(total: RunTotal, alias: string): string {
  return `(c.${total} - ${alias}.${total})`;
}

export async function latestFeatureRows(
  manager: EntityManager,
  endpointIds: string[],
  to: Date,
  freshMinutes: number,
): Promise<Map<string, FeatureRow>> {
  if (endpointIds.length === 0) return new Map();
  const days = Array.from({ length: USUAL_DAYS }, (_, i) => i + 1);
  // Every bound a probe starts from, computed with the newest row as a column of it: under RLS,
  // `r.minute < c.minute - interval ...` is no index condition (the operator is not leakproof)
  // and each probe would scan the endpoint's history; `r.minute < c.bound` is one.
  // A window of k minutes ending at minute t holds the rows after t - k.
  const bounds = [
    `r.minute - interval '15 minutes' as since15`,
    ...LONG_WINDOWS.map((k) => `r.minute - interval '${k - 1} minutes' as since${k}`),
    ...days.map((d) => `date_trunc('hour', r.minute) - interval '${d} days' as hour${d}`),
    ...days.map(
      (d) =>
        `date_trunc('hour', r.minute) - interval '${d} days' + interval '1 hour' as hour${d}_end`,
    ),
  ].join(', ');
  const windows = LONG_WINDOWS.map((k) => totalsBefore(`w${k}`, `c.since${k}`)).join('\n    ');
  const hours = days
    .map(
      (d) => `${totalsBefore(`a${d}`, `c.hour${d}`)}
    ${totalsBefore(`z${d}`, `c.hour${d}_end`)}`,
    )
    .join('\n    ');
  // The usual level at this hour: the same hour on each of the previous days that has data.
  const hourP95 = (d: number) =>
    `case when z${d}.run_rows - a${d}.run_rows > 0 then (z${d}.run_p95 - a${d}.run_p95)::float8 / nullif(z${d}.run_p95_rows - a${d}.run_p95_rows, 0) / e.thr end`;
  const hourErr = (d: number) =>
    `case when z${d}.run_rows - a${d}.run_rows > 0 then (z${d}.run_e - a${d}.run_e)::float8 / nullif(z${d}.run_n - a${d}.run_n, 0) end`;
  const ratio = (part: RunTotal, whole: RunTotal, w: string) =>
    `${delta(part, w)}::float8 / nullif(${delta(whole, w)}, 0)`;
  const avgP95 = (w: string) =>
    `${delta('run_p95', w)}::float8 / nullif(${delta('run_p95_rows', w)}, 0) / e.thr`;
  // Thousands of cheap index probes look expensive to the planner; compiling them (JIT) would
  // cost more than running them.
  await manager.query('set local jit = off');
  const rows: Array<{
    endpoint_id: string;
    minute: Date;
    breached: boolean;
    onset: boolean;
    in_episode: boolean;
    burn_alert: boolean | null;
    n15: number;
    usual15: number | null;
    f: Array<number | null>;
  }> = await manager.query(
    `with e as (
       select e.tenant_id, e.id, e.latency_threshold_ms as thr, e.error_rate_threshold as err_thr,
              1 - e.latency_percentile / 100 as slow_allowed, 1 - e.availability_target as allowed,
              e.window_minutes as win
         from endpoints e where e.id = any($1::uuid[])),
     l as (
       select e.id as endpoint_id, e.err_thr, e.slow_allowed, c.minute, c.breached,
              c.latency_p95 / e.thr as p95r,
              w.p95r_5m, w.p95r_max5, w.p95r_15m, ${avgP95('w60')} as p95r_60m,
              ${avgP95('w240')} as p95r_4h, ${avgP95('w1440')} as p95r_1d,
              w.spread_5m, w.slow_5m, w.slow_15m,
              ${delta('run_s', 'w240')}::float8 / nullif(${delta('run_n', 'w240')} - ${delta('run_e', 'w240')}, 0) as slow_4h,
              w.err_5m, w.err_15m, ${ratio('run_e', 'run_n', 'w60')} as err_60m,
              ${ratio('run_e', 'run_n', 'w240')} as err_4h, w.err_max5, w.fail_15m,
              w.n5::float8 / 5 as traffic_5m, ${delta('run_n', 'w60')}::float8 / 60 as traffic_60m,
              coalesce(w.n15, 0) as n15, ${delta('run_n', 'w240')}::float8 / 240 * 15 as usual15,
              (${ratio('run_b', 'run_n', 'w60')} > 14.4 * e.allowed and w.bad_5m > 14.4 * e.allowed)
                or (${ratio('run_b', 'run_n', 'w360')} > 6 * e.allowed and ${ratio('run_b', 'run_n', 'w30')} > 6 * e.allowed) as burn_alert,
              -- Episodes as in featureRows(): a breach a day or more before no longer counts.
              coalesce(c.prev_breach > c.minute - interval '1 day', false) as recent_breach,
              c.run_rows - c.prev_breach_rows as rows_since_breach, e.win,
              c.prev_breach as last_breach,
              (select avg(x) from unnest(array[${days.map(hourP95).join(', ')}]) as x) as usual_p95r,
              (select avg(x) from unnest(array[${days.map(hourErr).join(', ')}]) as x) as usual_err
         from e
         cross join lateral (
           select r.*, ${bounds} from rollups_minute r
            where r.tenant_id = e.tenant_id and r.endpoint_id = e.id
              and r.minute > $2::timestamptz - make_interval(mins => $3) and r.minute <= $2
            order by r.minute desc limit 1) c
         ${beforeFirst(TOTALS)}
         cross join lateral (
           -- The last 15 minutes, oldest first (the order the batch windows add them up in).
           select avg(x.p95r) filter (where x.in5) as p95r_5m, max(x.p95r) filter (where x.in5) as p95r_max5,
                  avg(x.p95r) as p95r_15m, avg(x.spread) filter (where x.in5) as spread_5m,
                  sum(x.s) filter (where x.in5)::float8 / nullif(sum(x.n - x.e) filter (where x.in5), 0) as slow_5m,
                  sum(x.s)::float8 / nullif(sum(x.n - x.e), 0) as slow_15m,
                  sum(x.e) filter (where x.in5)::float8 / nullif(sum(x.n) filter (where x.in5), 0) as err_5m,
                  sum(x.e)::float8 / nullif(sum(x.n), 0) as err_15m,
                  max(x.e::float8 / nullif(x.n, 0)) filter (where x.in5) as err_max5,
                  sum(x.fails)::float8 / nullif(sum(x.n), 0) as fail_15m,
                  sum(x.b) filter (where x.in5)::float8 / nullif(sum(x.n) filter (where x.in5), 0) as bad_5m,
                  sum(x.n) filter (where x.in5) as n5, sum(x.n) as n15
             from (select r.minute > c.minute - interval '5 minutes' as in5, r.latency_p95 / e.thr as p95r,
                          (r.latency_p99 - r.latency_p50) / e.thr as spread, r.sample_count as n, r.error_count as e,
                          r.slow_count as s, r.bad_count as b,
                          r.errors_timeout + r.errors_connection + r.errors_dns + r.errors_tls as fails
                     from rollups_minute r
                    where r.tenant_id = e.tenant_id and r.endpoint_id = e.id
                      and r.minute > c.since15 and r.minute <= c.minute
                    order by r.minute) x) w
    ${windows}
    ${hours})
     select l.endpoint_id, l.minute, l.breached, l.n15::int as n15, l.usual15, l.burn_alert,
            l.breached and (not l.recent_breach or l.rows_since_breach - 1 >= l.win) as onset,
            l.breached or (l.recent_breach and l.rows_since_breach < l.win) as in_episode,
            ${featureVectorSql('l.slow_allowed', 'l.err_thr')} as f
       from l, lateral (select l.usual_p95r, l.usual_err) u`,
    [endpointIds, to, freshMinutes],
  );
  return new Map(
    rows.map((row) => [
      row.endpoint_id,
      {
        minute: row.minute,
        features: row.f.map((value) => (value === null || !Number.isFinite(value) ? 0 : value)),
        label: 0,
        breached: row.breached,
        onset: row.onset,
        inEpisode: row.in_episode,
        burnAlert: row.burn_alert === true,
        insufficient: insufficiency(row.n15, row.usual15),
      },
    ]),
  );
}
