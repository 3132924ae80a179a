-- Daily availability per endpoint, kept for status pages: 90 days from 90 rows instead of
-- 129,600 minutes of breach flags. Filled on demand for complete days (src/telemetry/sla.ts),
-- invalidated whenever the day's rollups are recomputed or the endpoint's SLA changes.
create table availability_daily (
  tenant_id uuid not null,
  endpoint_id uuid not null,
  day date not null,
  minutes integer not null,
  bad integer not null,
  computed_at timestamptz not null default now(),
  primary key (tenant_id, endpoint_id, day),
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id)
);
alter table availability_daily enable row level security;
alter table availability_daily force row level security;
create policy tenant_isolation on availability_daily
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select, insert (tenant_id, endpoint_id, day, minutes, bad, computed_at), delete on availability_daily to sentinel_app;

-- Kept days older than the retention go with the hourly maintenance, across tenants.
create function delete_expired_availability(p_retention_days integer) returns bigint
  language sql security definer
  set search_path = pg_catalog, public
  as $$
    with gone as (delete from public.availability_daily where day < current_date - p_retention_days returning 1)
    select count(*) from gone
  $$;
revoke all on function delete_expired_availability(integer) from public;
grant execute on function delete_expired_availability(integer) to sentinel_app;
