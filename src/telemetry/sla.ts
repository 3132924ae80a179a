import type { EntityManager } from 'typeorm';
import type { Endpoint } from '../entities/endpoint.entity';
import { beforeFirst, maintenanceIn, totalsBefore, type RunTotal } from './minute-totals';
import { ensureRollupState } from './rollup-state';

/**
 * SLA arithmetic over the per-minute rollups (SPEC section 4).
 *
 * Minute t is breached when, over the window of `windowMinutes` minutes ending at t, the error
 * rate is above `errorRateThreshold`, or the `latencyPercentile`-th percentile of the latency of
 * the successful samples is above `latencyThresholdMs` (an errored sample counts through the error
 * rate only, never as a slow one too). The percentile is the nearest-rank one (percentile_disc):
 * it is above the threshold exactly when more than (100 - p)% of the window's successful samples
 * are slower than the threshold, which the rollups' `slow_count` (successful samples over the
 * threshold) gives without going back to raw samples.
 *
 * A breach episode is a run of breached minutes where runs separated by fewer than
 * `windowMinutes` good minutes (minutes with data, not breached) are one episode: a flap is not a
 * new incident. Its onset is its first minute. A minute is "in an episode" when it is breached or
 * fewer than `windowMinutes` good minutes have passed since the last breached one (the episode may
 * still go on): such minutes are neither training rows, nor alerts, nor onsets.
 * Only minutes that have samples are evaluated; the others are "no data", neither good nor bad
 * (with a probe every minute or more often, that is every minute the endpoint was watched).
 */

export const BURN_WINDOWS = { m5: 5, m30: 30, h1: 60, h6: 360 } as const;
export type BurnRates = Record<keyof typeof BURN_WINDOWS, number | null>;

export interface SlaSummary {
  evaluatedAt: Date;
  breachedNow: boolean;
  current: { sampleCount: number; errorRate: number | null; slowFraction: number | null };
  /** Good minutes / minutes with data, over 30 days. */
  availability: number | null;
  /** Successful samples at or under the latency threshold / successful samples, over 30 days. */
  latencyCompliance: number | null;
  /** 1 = untouched, 0 = spent, below 0 = overspent (30-day budget of bad minutes). */
  errorBudgetRemaining: number | null;
  burnRates: BurnRates;
}

export interface BreachEpisode {
  start: Date;
  /** The last breached minute. */
  end: Date;
  minutes: number;
}

/** The breach test as a SQL expression over a window's sums: samples `n`, errors `e`, slow `s`. */
export function breachSql(endpoint: Endpoint, n: string, e: string, s: string): string {
  // Numbers from our own validated row: safe to inline. The latency percentile is over the
  // successful samples (n - e) only; `s` counts successful samples over the threshold.
  const slowAllowed = 1 - endpoint.latencyPercentile / 100;
  return `(${n} > 0 and (${e}::float8 / ${n} > ${Number(endpoint.errorRateThreshold)} or (${n} > ${e} and ${s}::float8 / (${n} - ${e}) > ${slowAllowed})))`;
}

/** The window frame of the SLA: the `windowMinutes` minutes ending at the current row's minute. */
export function slaWindowFrame(endpoint: Endpoint): string {
  // Frame offsets cannot be bind parameters; windowMinutes is a validated integer.
  return `range between interval '${Math.trunc(endpoint.windowMinutes) - 1} minutes' preceding and current row`;
}

/**
 * Per-minute breach flags for (from, to], as a SQL fragment (parameters: endpoint id, from, to),
 * with the window sums n (samples), e (errors), s (slow samples).
 */
function flagsSql(endpoint: Endpoint): string {
  return `
    select minute, n, e, s, ${breachSql(endpoint, 'n', 'e', 's')} as breached
      from (select minute,
                   sum(sample_count) over w as n, sum(error_count) over w as e, sum(slow_count) over w as s
              from rollups_minute
             where endpoint_id = $1 and minute > $2::timestamptz - interval '${Math.trunc(endpoint.windowMinutes)} minutes' and minute <= $3
            window w as (order by minute ${slaWindowFrame(endpoint)})) windows
     where minute > $2
       -- Minutes in maintenance (the endpoint's or the whole tenant's) count neither way.
       and not exists (select 1 from maintenance_windows mw
                        where (mw.endpoint_id = $1 or mw.endpoint_id is null)
                          and windows.minute >= mw.starts_at and windows.minute < mw.ends_at)`;
}

/**
 * Each evaluated minute of (from, to], oldest first, breached or good (minutes without data and
 * minutes in maintenance are left out): what episode ends are found from.
 */
export async function minuteFlags(
  manager: EntityManager,
  endpoint: Endpoint,
  from: Date,
  to: Date,
): Promise<Array<{ minute: Date; breached: boolean }>> {
  return manager.query(
    `with flags as (${flagsSql(endpoint)}) select minute, breached from flags order by minute`,
    [endpoint.id, from, to],
  );
}

export async function slaSummary(
  manager: EntityManager,
  endpoint: Endpoint,
  now = new Date(),
): Promise<SlaSummary> {
  const t = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const from = new Date(t.getTime() - 30 * 86_400_000);
  const burn = Object.entries(BURN_WINDOWS)
    .map(
      ([
        name,
        minutes,
      ]) => `count(*) filter (where breached and minute > $3::timestamptz - interval '${minutes} minutes') as bad_${name},
       count(*) filter (where minute > $3::timestamptz - interval '${minutes} minutes') as n_${name}`,
    )
    .join(',');
  const [row] = await manager.query(
    `with flags as (${flagsSql(endpoint)})
     select count(*)::int as minutes, count(*) filter (where breached)::int as bad,
            coalesce((select breached from flags where minute = $3), false) as breached_now,
            ${burn}
       from flags`,
    [endpoint.id, from, t],
  );
  const [samples] = await manager.query(
    `select sum(sample_count)::float8 as n, sum(slow_count)::float8 as slow, sum(error_count)::float8 as e
       from rollups_minute where endpoint_id = $1 and minute > $2 and minute <= $3`,
    [endpoint.id, from, t],
  );
  // The flags decide breachedNow (a minute without data is not breached); the window gives the rest.
  const window = await currentWindow(manager, endpoint, t);
  const budget = (1 - endpoint.availabilityTarget) * row.minutes;
  const burnRates = Object.fromEntries(
    Object.keys(BURN_WINDOWS).map((name) => {
      const minutes = Number(row[`n_${name}`]);
      return [
        name,
        minutes > 0
          ? Number(row[`bad_${name}`]) / minutes / (1 - endpoint.availabilityTarget)
          : null,
      ];
    }),
  ) as BurnRates;
  return {
    evaluatedAt: t,
    breachedNow: row.breached_now,
    current: {
      sampleCount: window.sampleCount,
      errorRate: window.errorRate,
      slowFraction: window.slowFraction,
    },
    availability: row.minutes > 0 ? 1 - row.bad / row.minutes : null,
    latencyCompliance: samples.n > samples.e ? 1 - samples.slow / (samples.n - samples.e) : null,
    errorBudgetRemaining: row.minutes > 0 ? 1 - row.bad / budget : null,
    burnRates,
  };
}

/**
 * Breach episodes within (from, to]: runs of breached minutes, runs separated by fewer than
 * `windowMinutes` good minutes merged into one; an episode's onset is its first minute.
 */
export async function breachEpisodes(
  manager: EntityManager,
  endpoint: Endpoint,
  from: Date,
  to: Date,
): Promise<BreachEpisode[]> {
  const rows: Array<{ start: Date; end: Date; minutes: number }> = await manager.query(
    `with flags as (${flagsSql(endpoint)}),
          numbered as (select minute, breached, row_number() over (order by minute) as rn from flags),
          breached as (select minute, rn, lag(rn) over (order by minute) as previous_rn from numbered where breached),
          starts as (select minute, sum(case when previous_rn is null or rn - previous_rn - 1 >= ${Math.trunc(endpoint.windowMinutes)} then 1 else 0 end)
                                      over (order by minute) as episode
                       from breached)
     select min(minute) as start, max(minute) as end, count(*)::int as minutes from starts group by episode order by start`,
    [endpoint.id, from, to],
  );
  return rows;
}

/**
 * Availability (good minutes / minutes with data) of each UTC day of the last `days`, oldest first;
 * null without data. Each day is the difference of the running totals kept on the rollup rows
 * (minutes with data, breached minutes: migrations/0014_rollup_state.sql) at its two ends, less
 * its minutes in maintenance: two index probes a day, however many minutes it holds. The totals
 * follow late samples and SLA changes (the rollup job carries them forward), so nothing is cached.
 */
export async function dailyAvailability(
  manager: EntityManager,
  endpoint: Endpoint,
  days: number,
  now = new Date(),
): Promise<
  Array<{ day: Date; minutes: number; breachedMinutes: number; availability: number | null }>
> {
  const DAY = 86_400_000;
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * DAY);
  const until = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
  await ensureRollupState(manager, [endpoint.id]);
  const counts: RunTotal[] = ['run_rows', 'run_breached'];
  // A hundred cheap index probes look expensive to the planner; compiling them (JIT) would cost
  // more than running them.
  await manager.query('set local jit = off');
  const rows: Array<{ day: Date; minutes: string; bad: string }> = await manager.query(
    `select b.day, hi.run_rows - lo.run_rows - mw.rows_day as minutes,
            hi.run_breached - lo.run_breached - mw.breached_day as bad
       from endpoints e
      cross join (
        -- Each day's end as a column (OFFSET 0 keeps it one): an index condition under RLS.
        select day, least(day + interval '1 day', $3::timestamptz) as day_end
          from generate_series($2::timestamptz, $3::timestamptz - interval '1 minute', interval '1 day') as day
        offset 0) b
       ${beforeFirst(counts)}
       ${totalsBefore('lo', 'b.day', counts)}
       ${totalsBefore('hi', 'b.day_end', counts)}
       ${maintenanceIn('mw', { day: 'b.day' }, 'b.day_end')}
      where e.id = $1
      order by b.day`,
    [endpoint.id, from, until],
  );
  return rows.map((row) => {
    const minutes = Number(row.minutes ?? 0);
    const bad = Number(row.bad ?? 0);
    return {
      day: row.day,
      minutes,
      breachedMinutes: bad,
      availability: minutes > 0 ? 1 - bad / minutes : null,
    };
  });
}

/** The SLA window ending at `now`'s minute: its samples, error and slow shares, and whether it breaches. */
export async function currentWindow(
  manager: EntityManager,
  endpoint: Endpoint,
  now = new Date(),
): Promise<SlaSummary['current'] & { breached: boolean }> {
  const t = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const [row]: Array<{ n: number; e: number | null; s: number | null; breached: boolean | null }> =
    await manager.query(
      `select coalesce(sum(sample_count), 0)::int as n, sum(error_count)::float8 as e, sum(slow_count)::float8 as s,
            ${breachSql(endpoint, 'sum(sample_count)', 'sum(error_count)', 'sum(slow_count)')} as breached
       from rollups_minute where endpoint_id = $1 and minute > $2::timestamptz - make_interval(mins => $3) and minute <= $2`,
      [endpoint.id, t, endpoint.windowMinutes],
    );
  const n = row?.n ?? 0;
  return {
    sampleCount: n,
    errorRate: n > 0 ? row!.e! / n : null,
    slowFraction: n > (row?.e ?? 0) ? row!.s! / (n - row!.e!) : null,
    breached: row?.breached === true,
  };
}
