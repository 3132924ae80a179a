import type { EntityManager } from 'typeorm';
import { FRESH_MINUTES } from '../scoring/score-tenant';
import { ensureRollupState } from './rollup-state';
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

interface SloRow {
  endpoint_id: string;
  name: string;
  availability_target: number;
  probability: number | null;
  threshold: number | null;
  minutes: string | null;
  bad: string | null;
  breached_now: boolean;
  [burn: string]: unknown;
}

/** Breached minutes and minutes with data up to the current row, since the last row before `bound`. */
function countsSince(alias: string, bound: string): string {
  return `left join lateral (
      select r.run_rows, r.run_breached from rollups_minute r
       where r.tenant_id = e.tenant_id and r.endpoint_id = e.id and r.minute < ${bound}
       order by r.minute desc limit 1) ${alias}_row on true
    cross join lateral (select coalesce(${alias}_row.run_rows, f0.run_rows) as run_rows,
                               coalesce(${alias}_row.run_breached, f0.run_breached) as run_breached) ${alias}`;
}

/**
 * Every live endpoint of the current tenant in one statement, whatever their number. Each figure
 * is the difference of two running totals kept on the rollup rows (breached minutes, minutes with
 * data: migrations/0014_rollup_state.sql), so an endpoint costs a few index probes, not a scan of
 * 30 days of minutes: the newest row, the last row before the 30-day window, the last row before
 * each burn window, and the first row (the totals a window reaching past it starts from).
 */
export async function tenantSlo(manager: EntityManager, now = new Date()): Promise<EndpointSlo[]> {
  const t = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const first = new Date(Math.floor(t.getTime() / DAY) * DAY - (SLO_DAYS - 1) * DAY);
  const ids: Array<{ id: string }> = await manager.query(
    'select id from endpoints where archived_at is null',
  );
  await ensureRollupState(
    manager,
    ids.map((e) => e.id),
  );
  const burn = Object.entries(BURN_WINDOWS);
  const rows: SloRow[] = await manager.query(
    `select e.id as endpoint_id, e.name, e.availability_target, p.probability, m.threshold,
            c.run_rows - s.run_rows as minutes, c.run_breached - s.run_breached as bad,
            coalesce(c.minute = $1 and c.breached, false) as breached_now,
            ${burn.map(([name]) => `c.run_rows - ${name}.run_rows as n_${name}, c.run_breached - ${name}.run_breached as bad_${name}`).join(',\n')}
       from endpoints e
       left join lateral (select probability, model_id from predictions p
                           where p.endpoint_id = e.id and p.minute > $1::timestamptz - make_interval(mins => $3)
                           order by p.minute desc limit 1) p on true
       left join models m on m.id = p.model_id -- its own model or the global one (RLS shows both)
       left join lateral (
         select r.minute, r.breached, r.run_rows, r.run_breached from rollups_minute r
          where r.tenant_id = e.tenant_id and r.endpoint_id = e.id and r.minute <= $1
          order by r.minute desc limit 1) c on true
       left join lateral (
         select r.run_rows - 1 as run_rows, r.run_breached - r.breached::int as run_breached
           from rollups_minute r where r.tenant_id = e.tenant_id and r.endpoint_id = e.id
          order by r.minute limit 1) f0 on true
       ${countsSince('s', '$2')}
       ${burn.map(([name, minutes]) => countsSince(name, `$1::timestamptz - interval '${minutes - 1} minutes'`)).join('\n')}
      where e.archived_at is null
      order by e.created_at, e.id`,
    [t, first, FRESH_MINUTES],
  );
  return rows.map((row) => {
    const minutes = Number(row.minutes ?? 0);
    const bad = Number(row.bad ?? 0);
    const allowed = 1 - row.availability_target;
    const burnRates = Object.fromEntries(
      Object.keys(BURN_WINDOWS).map((name) => {
        const n = Number(row[`n_${name}`] ?? 0);
        return [name, n > 0 ? Number(row[`bad_${name}`]) / n / allowed : null];
      }),
    ) as BurnRates;
    return {
      endpointId: row.endpoint_id,
      name: row.name,
      availability: minutes > 0 ? 1 - bad / minutes : null,
      errorBudgetRemaining: minutes > 0 ? 1 - bad / (allowed * minutes) : null,
      burnRates,
      breachedNow: row.breached_now,
      risk:
        row.probability !== null && row.threshold !== null
          ? { probability: row.probability, threshold: row.threshold }
          : null,
    };
  });
}
