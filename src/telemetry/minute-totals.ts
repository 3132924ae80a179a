/**
 * SQL builders over the running totals each rollup row carries (migrations/0014_rollup_state.sql):
 * the sum of any window of minutes is the difference of two totals, so a window costs two index
 * probes whatever its length. The fragments join laterally to an endpoint row aliased `e`
 * (`e.tenant_id`, `e.id`); callers make sure the rows have state (`ensureRollupState`).
 */

/** The running totals, and what each adds per row (the row's own share, for "before the first"). */
const ROW_SHARE = {
  run_rows: '1',
  run_n: 'r.sample_count',
  run_e: 'r.error_count',
  run_s: 'r.slow_count',
  run_b: 'r.bad_count',
  run_f: '(r.errors_timeout + r.errors_connection + r.errors_dns + r.errors_tls)',
  run_p95: 'coalesce(r.latency_p95::numeric, 0)',
  run_p95_rows: '(r.latency_p95 is not null)::int',
  run_breached: 'r.breached::int',
} as const;
export type RunTotal = keyof typeof ROW_SHARE;

/**
 * `f0`: the totals just before the endpoint's first kept row (what a window reaching past it
 * starts from). Join it before any `totalsBefore`.
 */
export function beforeFirst(totals: readonly RunTotal[]): string {
  return `left join lateral (
      select ${totals.map((t) => `r.${t} - ${ROW_SHARE[t]} as ${t}`).join(', ')}
        from rollups_minute r
       where r.tenant_id = e.tenant_id and r.endpoint_id = e.id
       order by r.minute limit 1) f0 on true`;
}

/**
 * `alias`: the totals of the last row strictly before `bound` (SQL for a timestamptz), else those
 * before the first row. A window's sum from `bound` on is `<current>.total - alias.total`.
 *
 * `bound` must be a column, or an expression of parameters only: under row-level security,
 * PostgreSQL does not use `minute < <column> + interval ...` as an index condition (that operator
 * is not leakproof), and the probe turns into a scan of the endpoint's rows. Compute such bounds
 * as columns of a subquery that is not flattened (LIMIT, OFFSET 0).
 */
export function totalsBefore(alias: string, bound: string, totals: readonly RunTotal[]): string {
  return `left join lateral (
      select ${totals.map((t) => `r.${t}`).join(', ')}
        from rollups_minute r
       where r.tenant_id = e.tenant_id and r.endpoint_id = e.id and r.minute < ${bound}
       order by r.minute desc limit 1) ${alias}_row on true
    cross join lateral (select ${totals.map((t) => `coalesce(${alias}_row.${t}, f0.${t}) as ${t}`).join(', ')}) ${alias}`;
}

/**
 * `alias`: per window `name` (minutes from `windows[name]` on, SQL for a timestamptz, to before
 * `until`), the minutes with data (`rows_<name>`) and breached minutes (`breached_<name>`) that
 * fall in a maintenance window of the endpoint or of its whole tenant. Those count neither way
 * (src/telemetry/sla.ts), so they are taken off the totals. Overlapping maintenance windows are
 * merged first; the cost is an index range per maintenance window, and nothing without one.
 */
export function maintenanceIn(
  alias: string,
  windows: Record<string, string>,
  until: string,
): string {
  const from = `least(${Object.values(windows).join(', ')})`;
  const names = Object.keys(windows);
  const counts = Object.entries(windows).map(
    ([name, start]) =>
      `count(*) filter (where r.minute >= ${start}) as rows_${name},
                 count(*) filter (where r.minute >= ${start} and r.breached) as breached_${name}`,
  );
  // Driven from the merged maintenance ranges (usually none), never from the rollup rows; each
  // range's bounds are columns (OFFSET 0), so that they are index conditions under RLS too.
  return `cross join lateral (
      select ${names.map((n) => `coalesce(sum(c.rows_${n}), 0) as rows_${n}, coalesce(sum(c.breached_${n}), 0) as breached_${n}`).join(',\n             ')}
        from (select greatest(lower(span), ${from}) as lo, least(upper(span), ${until}) as hi
                from (select unnest(range_agg(tstzrange(mw.starts_at, mw.ends_at))) as span
                        from maintenance_windows mw
                       where (mw.endpoint_id = e.id or mw.endpoint_id is null)
                         and mw.starts_at < ${until} and mw.ends_at > ${from}) spans
              offset 0) m
        cross join lateral (
          select ${counts.join(',\n                 ')}
            from rollups_minute r
           where r.tenant_id = e.tenant_id and r.endpoint_id = e.id
             and r.minute >= m.lo and r.minute < m.hi) c) ${alias}`;
}
