import type { EntityManager } from 'typeorm';
import { FRESH_MINUTES } from '../scoring/score-tenant';
import { ensureRollupState } from './rollup-state';
import { beforeFirst, maintenanceIn, totalsBefore, type RunTotal } from './minute-totals';
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

const COUNTS: RunTotal[] = ['run_rows', 'run_breached'];

/**
 * Every live endpoint of the current tenant in one statement, whatever their number. Each figure
 * is the difference of two running totals kept on the rollup rows (breached minutes, minutes with
 * data: migrations/0014_rollup_state.sql), so an endpoint costs a few index probes, not a scan of
 * 30 days of minutes: the newest row, the last row before the 30-day window, the last row before
 * each burn window, and the first row (the totals a window reaching past it starts from). Minutes
 * in maintenance are taken off, as the status page and `slaSummary` leave them out.
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
  // Each window's first minute (inclusive); every window ends at the newest minute.
  const starts: Record<string, string> = {
    s: '$2::timestamptz',
    ...Object.fromEntries(
      burn.map(([name, minutes]) => [name, `$1::timestamptz - interval '${minutes - 1} minutes'`]),
    ),
  };
  // Minutes with data and breached minutes of a window, less those in maintenance.
  const counts = (window: string, minutes: string, bad: string) =>
    `c.run_rows - ${window}.run_rows - mw.rows_${window} as ${minutes},
            c.run_breached - ${window}.run_breached - mw.breached_${window} as ${bad}`;
  // Thousands of cheap index probes look expensive to the planner; compiling them (JIT) would
  // cost more than running them.
  await manager.query('set local jit = off');
  const rows: SloRow[] = await manager.query(
    `select e.id as endpoint_id, e.name, e.availability_target, p.probability, m.threshold,
            ${counts('s', 'minutes', 'bad')},
            coalesce(c.minute = $1 and c.breached and mw.rows_now = 0, false) as breached_now,
            ${burn.map(([name]) => counts(name, `n_${name}`, `bad_${name}`)).join(',\n')}
       from endpoints e
       left join lateral (select probability, model_id from predictions p
                           where p.endpoint_id = e.id and p.minute > $1::timestamptz - make_interval(mins => $3)
                           order by p.minute desc limit 1) p on true
       left join models m on m.id = p.model_id -- its own model or the global one (RLS shows both)
       left join lateral (
         select r.minute, r.breached, r.run_rows, r.run_breached from rollups_minute r
          where r.tenant_id = e.tenant_id and r.endpoint_id = e.id and r.minute <= $1
          order by r.minute desc limit 1) c on true
       ${beforeFirst(COUNTS)}
       ${Object.entries(starts)
         .map(([name, start]) => totalsBefore(name, start, COUNTS))
         .join('\n')}
       ${maintenanceIn('mw', { ...starts, now: '$1::timestamptz' }, `$1::timestamptz + interval '1 minute'`)}
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
