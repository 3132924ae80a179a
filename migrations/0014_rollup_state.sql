-- Incremental derived state on every rollup row, so the latest feature row of an endpoint and its
-- SLO figures are a handful of index reads instead of a day of window functions (issue 11,
-- src/ml/latest-features.ts, src/telemetry/tenant-slo.ts).
--
-- run_* are running totals over the endpoint's rows up to and including this minute: the sum of
-- any column over a window (a, b] is run(b) - run(a), where run(a) is the last row at or before
-- a. Counts are exact integers; the p95 total is numeric, so it never drifts however long the
-- history. Totals may start anywhere (retention deletes old rows): only differences are used.
alter table rollups_minute
  add column run_rows bigint,
  add column run_n bigint,
  add column run_e bigint,
  add column run_s bigint,
  add column run_b bigint,
  add column run_f bigint,
  add column run_p95 numeric,
  add column run_p95_rows bigint,
  -- The SLA breach test over the endpoint's SLA window ending at this minute (the same test as
  -- breachSql() in src/telemetry/sla.ts; test/rollup-state.test.ts holds the two equal).
  add column breached boolean,
  add column run_breached bigint,
  -- The last breached minute strictly before this one, and run_rows at it: episode state.
  add column prev_breach timestamptz,
  add column prev_breach_rows bigint;

comment on column rollups_minute.run_f is
  'Running total of timeouts and connection, DNS and TLS failures.';
comment on column rollups_minute.run_p95_rows is
  'Running count of minutes with a p95 (a minute whose samples all failed has none).';

-- Brings the state of one endpoint's rows up to date from p_from to its last row, in one pass.
-- Called in the transaction that wrote the rollups (src/telemetry/rollups.ts), after an SLA
-- change (from '-infinity'), and by readers whose endpoint's newest row has no state (rows
-- loaded directly, or by an older version). Runs as the caller: RLS applies, and another tenant's endpoint is not found.
-- The caller serialises passes per endpoint (an advisory lock), so two never interleave.
create function refresh_rollup_state(p_endpoint uuid, p_from timestamptz) returns integer
  language plpgsql
  set search_path = pg_catalog, pg_temp
  -- A freshly loaded endpoint has no statistics yet, and the planner then joins the computed
  -- rows back to the table in a nested loop that recomputes them for every row: quadratic.
  -- A hash join is linear whatever the estimate. (The penalty that setting puts on the plan's
  -- cost would turn on JIT compilation, a second per call: off too.)
  set enable_nestloop = off
  set jit = off
  as $fn$
declare
  v_tenant uuid;
  v_window integer;
  v_error_rate double precision;
  v_slow_allowed double precision;
  v_rows integer;
begin
  select e.tenant_id, e.window_minutes, e.error_rate_threshold, 1 - e.latency_percentile / 100
    into v_tenant, v_window, v_error_rate, v_slow_allowed
    from public.endpoints e where e.id = p_endpoint;
  if not found then
    return 0;
  end if;
  -- The window frame is an integer from a checked column (1-1440): formatted in, as frame
  -- offsets are. Everything else is a bind parameter.
  execute format($q$
    with base as materialized (
      select r.minute, r.breached, r.run_rows, r.run_n, r.run_e, r.run_s, r.run_b, r.run_f,
             r.run_p95, r.run_p95_rows, r.run_breached, r.prev_breach, r.prev_breach_rows
        from public.rollups_minute r
       where r.tenant_id = $1 and r.endpoint_id = $2 and r.minute < $3
       order by r.minute desc limit 1),
    sums as (
      select r.minute, r.sample_count, r.error_count, r.slow_count, r.bad_count,
             r.errors_timeout + r.errors_connection + r.errors_dns + r.errors_tls as fails,
             r.latency_p95,
             sum(r.sample_count) over sla as n, sum(r.error_count) over sla as e,
             sum(r.slow_count) over sla as s
        from public.rollups_minute r
       where r.tenant_id = $1 and r.endpoint_id = $2
         and r.minute > $3 - make_interval(mins => %1$s)
      window sla as (order by r.minute range between interval '%2$s minutes' preceding and current row)),
    flagged as (
      select s.*,
             (s.n > 0 and (s.e::float8 / s.n > $4
                           or (s.n > s.e and s.s::float8 / (s.n - s.e) > $5))) as is_breached
        from sums s
       where s.minute >= $3),
    state as (
      select f.minute, f.is_breached,
             coalesce(b.run_rows, 0) + count(*) over run as run_rows,
             coalesce(b.run_n, 0) + sum(f.sample_count) over run as run_n,
             coalesce(b.run_e, 0) + sum(f.error_count) over run as run_e,
             coalesce(b.run_s, 0) + sum(f.slow_count) over run as run_s,
             coalesce(b.run_b, 0) + sum(f.bad_count) over run as run_b,
             coalesce(b.run_f, 0) + sum(f.fails) over run as run_f,
             coalesce(b.run_p95, 0) + coalesce(sum(f.latency_p95::numeric) over run, 0) as run_p95,
             coalesce(b.run_p95_rows, 0) + count(f.latency_p95) over run as run_p95_rows,
             coalesce(b.run_breached, 0) + count(*) filter (where f.is_breached) over run as run_breached,
             -- The last breach before this row: among the new rows before it, else the base's.
             coalesce(max(f.minute) filter (where f.is_breached) over before,
                      case when b.breached then b.minute else b.prev_breach end) as prev_breach,
             b.breached as base_breached, b.run_rows as base_rows, b.prev_breach_rows as base_prev_rows
        from flagged f left join base b on true
      window run as (order by f.minute rows between unbounded preceding and current row),
             before as (order by f.minute rows between unbounded preceding and 1 preceding)),
    done as materialized (
      select s.*,
             coalesce(max(s.run_rows) filter (where s.is_breached) over before,
                      case when s.base_breached then s.base_rows else s.base_prev_rows end) as prev_breach_rows
        from state s
      window before as (order by s.minute rows between unbounded preceding and 1 preceding))
    update public.rollups_minute r
       set run_rows = d.run_rows, run_n = d.run_n, run_e = d.run_e, run_s = d.run_s,
           run_b = d.run_b, run_f = d.run_f, run_p95 = d.run_p95, run_p95_rows = d.run_p95_rows,
           breached = d.is_breached, run_breached = d.run_breached,
           prev_breach = d.prev_breach, prev_breach_rows = d.prev_breach_rows
      from done d
     where r.tenant_id = $1 and r.endpoint_id = $2 and r.minute >= $3 and r.minute = d.minute
    $q$, v_window, v_window - 1)
    using v_tenant, p_endpoint, p_from, v_error_rate, v_slow_allowed;
  get diagnostics v_rows = row_count;
  return v_rows;
end
$fn$;
revoke all on function refresh_rollup_state(uuid, timestamptz) from public;
grant execute on function refresh_rollup_state(uuid, timestamptz) to sentinel_app;

-- Every tenant with a live endpoint, for the scoring round: a tenant that no model serves yet
-- is still told of its breaches (onsets, the burn-rate alert) from the rollup flags above. The
-- app role cannot list other tenants' endpoints itself (RLS): only their tenant ids leave here.
create function tenants_with_live_endpoints() returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$
    select distinct e.tenant_id from public.endpoints e where e.archived_at is null
  $$;
revoke all on function tenants_with_live_endpoints() from public;
grant execute on function tenants_with_live_endpoints() to sentinel_app;

-- Existing history gets its state now, so the first scoring round after the upgrade does not.
select refresh_rollup_state(e.id, '-infinity') from endpoints e;
