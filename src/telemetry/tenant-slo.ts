import type { EntityManager } from 'typeorm';
import { FRESH_MINUTES } from '../scoring/score-tenant';
import { BURN_WINDOWS, type BurnRates } from './sla';

/** One endpoint's SLO figures as a scrape serves them (GET /metrics/tenant). */
export interface EndpointSlo {
  endpointId: string;
  name: string;
  /** Good minutes / minutes with data over the last 30 UTC days, today included; null without data. */
  availability: number | null;
  errorBudgetRemaining: number | null;
  burnRates: BurnRates;
  breachedNow: boolean;
  /** The latest prediction of the last FRESH_MINUTES, and its model's alert threshold. */
  risk: { probability: number; threshold: number } | null;
}

const DAY = 86_400_000;
const SLO_DAYS = 30;
const LONGEST_BURN_MINUTES = Math.max(...Object.values(BURN_WINDOWS));

interface EndpointRow {
  id: string;
  name: string;
  window_minutes: number;
  availability_target: number;
  probability: number | null;
  threshold: number | null;
}

interface SloRow {
  endpoint_id: string;
  minutes: number;
  bad: number;
  breached_now: boolean;
  [burn: string]: unknown;
}

/**
 * Every live endpoint of the current tenant, in a few set-based statements whatever their number:
 * one for the endpoints and their fresh predictions, one per distinct SLA window length (the
 * window is a frame offset, which SQL cannot take per row). Complete UTC days come from
 * `availability_daily` (the status pages' store, emptied for a day whenever its rollups are
 * recomputed); days missing there are computed once, in the same statement, and kept (a day
 * without data is kept as zero minutes, so it is not looked for again). Only today and the last
 * six hours (the longest burn window) are computed from the rollups' breach flags on each call.
 */
export async function tenantSlo(manager: EntityManager, now = new Date()): Promise<EndpointSlo[]> {
  const t = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const endpoints: EndpointRow[] = await manager.query(
    `select e.id, e.name, e.window_minutes, e.availability_target, p.probability, m.threshold
       from endpoints e
       left join lateral (select probability, model_id from predictions p
                           where p.endpoint_id = e.id and p.minute > $1::timestamptz - make_interval(mins => $2)
                           order by p.minute desc limit 1) p on true
       left join models m on m.id = p.model_id -- its own model or the global one (RLS shows both)
      where e.archived_at is null
      order by e.created_at, e.id`,
    [t, FRESH_MINUTES],
  );
  const windows = [...new Set(endpoints.map((e) => e.window_minutes))];
  const figures = new Map<string, SloRow>();
  for (const windowMinutes of windows) {
    for (const row of await windowGroupSlo(manager, windowMinutes, t))
      figures.set(row.endpoint_id, row);
  }
  return endpoints.map((e) => {
    const row = figures.get(e.id);
    const minutes = Number(row?.minutes ?? 0);
    const bad = Number(row?.bad ?? 0);
    const allowed = 1 - e.availability_target;
    const burnRates = Object.fromEntries(
      Object.keys(BURN_WINDOWS).map((name) => {
        const n = Number(row?.[`n_${name}`] ?? 0);
        return [name, n > 0 ? Number(row?.[`bad_${name}`]) / n / allowed : null];
      }),
    ) as BurnRates;
    return {
      endpointId: e.id,
      name: e.name,
      availability: minutes > 0 ? 1 - bad / minutes : null,
      errorBudgetRemaining: minutes > 0 ? 1 - bad / (allowed * minutes) : null,
      burnRates,
      breachedNow: row?.breached_now === true,
      risk:
        e.probability !== null && e.threshold !== null
          ? { probability: e.probability, threshold: e.threshold }
          : null,
    };
  });
}

/** The figures of every live endpoint whose SLA window is `windowMinutes` long, in one statement. */
async function windowGroupSlo(
  manager: EntityManager,
  windowMinutes: number,
  t: Date,
): Promise<SloRow[]> {
  const today = Math.floor(t.getTime() / DAY) * DAY;
  const first = new Date(today - (SLO_DAYS - 1) * DAY); // the oldest day counted
  // Flags are computed from here on every call: today, and the longest burn window.
  const liveFrom = new Date(Math.min(today, t.getTime() - LONGEST_BURN_MINUTES * 60_000));
  const w = Math.trunc(windowMinutes); // a validated integer: frame offsets cannot be parameters
  const burn = Object.entries(BURN_WINDOWS)
    .map(
      ([name, minutes]) =>
        `count(*) filter (where f.minute > $4::timestamptz - interval '${minutes} minutes') as n_${name},
         count(*) filter (where f.breached and f.minute > $4::timestamptz - interval '${minutes} minutes') as bad_${name}`,
    )
    .join(',\n');
  // The window sums are sorted per endpoint and minute; keep that sort in memory.
  await manager.query(`set local work_mem = '64MB'`);
  return manager.query(
    `with eps as (
       select e.id, e.tenant_id, e.error_rate_threshold, 1 - e.latency_percentile / 100 as slow_allowed,
              -- The first complete day not kept yet: flags are computed from there on.
              coalesce((select min(d.day) from generate_series($2::date, $3::date - 1, interval '1 day') as d(day)
                         where not exists (select 1 from availability_daily a
                                            where a.endpoint_id = e.id and a.day = d.day::date)),
                       $3::date)::date as from_day
         from endpoints e
        where e.archived_at is null and e.window_minutes = $1
     ),
     bounds as materialized (
       select eps.*, f.flag_from, f.flag_from - interval '${w} minutes' as sums_from
         from eps cross join lateral
              (select least(eps.from_day::timestamp at time zone 'UTC', $5::timestamptz) as flag_from) f
     ),
     flags as (
       -- Per endpoint (a lateral join), so that the rows come in index order and need no sort.
       select b.id as endpoint_id, s.minute,
              (s.n > 0 and (s.e::float8 / s.n > b.error_rate_threshold or s.s::float8 / s.n > b.slow_allowed)) as breached,
              s.minute >= b.from_day::timestamp at time zone 'UTC' and s.minute < $3::date::timestamp at time zone 'UTC' as to_keep
         from bounds b cross join lateral (
                select r.minute, sum(r.sample_count) over w as n, sum(r.error_count) over w as e,
                       sum(r.slow_count) over w as s
                  from rollups_minute r
                 where r.endpoint_id = b.id and r.minute > b.sums_from and r.minute <= $4
                window w as (order by r.minute range between interval '${w - 1} minutes' preceding and current row)
              ) s
        where s.minute >= b.flag_from
     ),
     settled_flags as (
       select f.endpoint_id, (f.minute at time zone 'UTC')::date as day,
              count(*)::int as minutes, count(*) filter (where f.breached)::int as bad
         from flags f where f.to_keep
        group by 1, 2
     ),
     settled as (
       select eps.id as endpoint_id, eps.tenant_id, d.day::date as day,
              coalesce(sf.minutes, 0) as minutes, coalesce(sf.bad, 0) as bad
         from eps cross join generate_series(eps.from_day, $3::date - 1, interval '1 day') as d(day)
         left join settled_flags sf on sf.endpoint_id = eps.id and sf.day = d.day::date
     ),
     kept as (
       insert into availability_daily (tenant_id, endpoint_id, day, minutes, bad)
       select tenant_id, endpoint_id, day, minutes, bad from settled
       on conflict do nothing
     ),
     older as (
       select a.endpoint_id, sum(a.minutes)::int as minutes, sum(a.bad)::int as bad
         from availability_daily a join eps on eps.id = a.endpoint_id
        where a.day >= $2::date and a.day < eps.from_day
        group by a.endpoint_id
     ),
     live as (
       select f.endpoint_id,
              count(*) filter (where f.minute >= $3::date::timestamp at time zone 'UTC')::int as minutes,
              count(*) filter (where f.breached and f.minute >= $3::date::timestamp at time zone 'UTC')::int as bad,
              coalesce(bool_or(f.breached) filter (where f.minute = $4), false) as breached_now,
              ${burn}
         from flags f where f.minute >= $5
        group by f.endpoint_id
     ),
     computed as (
       select endpoint_id, sum(minutes)::int as minutes, sum(bad)::int as bad from settled group by endpoint_id
     )
     select eps.id as endpoint_id,
            coalesce(o.minutes, 0) + coalesce(c.minutes, 0) + coalesce(l.minutes, 0) as minutes,
            coalesce(o.bad, 0) + coalesce(c.bad, 0) + coalesce(l.bad, 0) as bad,
            coalesce(l.breached_now, false) as breached_now,
            ${Object.keys(BURN_WINDOWS)
              .map((name) => `l.n_${name}, l.bad_${name}`)
              .join(', ')}
       from eps
       left join older o on o.endpoint_id = eps.id
       left join computed c on c.endpoint_id = eps.id
       left join live l on l.endpoint_id = eps.id`,
    [w, first.toISOString().slice(0, 10), new Date(today).toISOString().slice(0, 10), t, liveFrom],
  );
}
