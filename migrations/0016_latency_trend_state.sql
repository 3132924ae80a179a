-- Running totals for the least-squares trend of p95 latency (src/ml/features.ts: p95_trend_*),
-- as Prometheus' predict_linear fits one: over the minutes with a p95 in a window, with x the
-- minute (minutes since the epoch) and y the p95, the slope is
--   (n Sxy - Sx Sy) / (n Sxx - Sx^2)
-- and n (run_p95_rows) and Sy (run_p95) are kept already (0014). All numeric: exact sums, so the
-- window differences the scoring reads (src/ml/latest-features.ts) equal the batch window sums.
alter table rollups_minute
  add column run_p95_x numeric,
  add column run_p95_xx numeric,
  add column run_p95_xy numeric;

comment on column rollups_minute.run_p95_x is
  'Running total of the minute (minutes since the epoch) over minutes with a p95: latency trend.';
comment on column rollups_minute.run_p95_xx is
  'Running total of the squared minute over minutes with a p95: latency trend.';
comment on column rollups_minute.run_p95_xy is
  'Running total of minute x p95 over minutes with a p95: latency trend.';

-- The same pass as 0014's, advancing the three new totals too.
create or replace function refresh_rollup_state(p_endpoint uuid, p_from timestamptz) returns integer
  language plpgsql
  set search_path = pg_catalog, pg_temp
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
  execute format($q$
    with base as materialized (
      select r.minute, r.breached, r.run_rows, r.run_n, r.run_e, r.run_s, r.run_b, r.run_f,
             r.run_p95, r.run_p95_rows, r.run_p95_x, r.run_p95_xx, r.run_p95_xy,
             r.run_breached, r.prev_breach, r.prev_breach_rows
        from public.rollups_minute r
       where r.tenant_id = $1 and r.endpoint_id = $2 and r.minute < $3
       order by r.minute desc limit 1),
    sums as (
      select r.minute, r.sample_count, r.error_count, r.slow_count, r.bad_count,
             r.errors_timeout + r.errors_connection + r.errors_dns + r.errors_tls as fails,
             r.latency_p95,
             -- x of the trend, only where there is a p95 (its y).
             case when r.latency_p95 is not null then floor(extract(epoch from r.minute) / 60) end as x,
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
             coalesce(b.run_p95_x, 0) + coalesce(sum(f.x) over run, 0) as run_p95_x,
             coalesce(b.run_p95_xx, 0) + coalesce(sum(f.x * f.x) over run, 0) as run_p95_xx,
             coalesce(b.run_p95_xy, 0) + coalesce(sum(f.x * f.latency_p95::numeric) over run, 0) as run_p95_xy,
             coalesce(b.run_breached, 0) + count(*) filter (where f.is_breached) over run as run_breached,
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
           run_p95_x = d.run_p95_x, run_p95_xx = d.run_p95_xx, run_p95_xy = d.run_p95_xy,
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

-- Existing history gets the new totals now (the whole pass, as 0014 did).
select refresh_rollup_state(e.id, '-infinity') from endpoints e;
