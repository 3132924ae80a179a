-- Telemetry: raw samples (partitioned by day), ingestion batches (idempotency) and per-minute
-- rollups. Conventions: migrations/README.md.

create table samples (
  tenant_id uuid not null,
  endpoint_id uuid not null,
  observed_at timestamptz not null,
  latency_ms double precision not null check (latency_ms >= 0 and latency_ms < 'Infinity'),
  status_code smallint check (status_code between 100 and 599),
  error_kind text check (error_kind in ('timeout', 'connection', 'tls', 'dns', 'unexpected_status')),
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id)
) partition by range (observed_at);
create index samples_endpoint_time on samples (tenant_id, endpoint_id, observed_at);
alter table samples enable row level security;
alter table samples force row level security;
create policy tenant_isolation on samples
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select, insert (tenant_id, endpoint_id, observed_at, latency_ms, status_code, error_kind)
  on samples to sentinel_app;

-- One partition per UTC day, named samples_YYYYMMDD. Partitions get the same RLS as the parent
-- (the app role has no grant on them, but defence in depth costs nothing here).
create function ensure_sample_partitions(p_from date, p_to date) returns void
  language plpgsql security definer
  set search_path = pg_catalog, public
  as $$
  declare
    day date;
    name text;
  begin
    if p_to - p_from > 400 then
      raise exception 'refusing to create more than 400 partitions at once';
    end if;
    -- search_path starts with pg_catalog (safe for a definer), so every name is qualified.
    for day in select generate_series(p_from, p_to, interval '1 day')::date loop
      name := 'samples_' || to_char(day, 'YYYYMMDD');
      continue when to_regclass('public.' || name) is not null;
      -- Ingestion and the maintenance job may create the same partition at once: the loser's
      -- CREATE fails (relation exists, or a unique violation in pg_type) and it moves on.
      begin
        execute format('create table public.%I partition of public.samples for values from (%L) to (%L)',
                       name, day::timestamp at time zone 'UTC', (day + 1)::timestamp at time zone 'UTC');
        execute format('alter table public.%I enable row level security', name);
        execute format('alter table public.%I force row level security', name);
        execute format('create policy tenant_isolation on public.%I using (tenant_id = (select current_tenant_id()))'
                       ' with check (tenant_id = (select current_tenant_id()))', name);
      exception when duplicate_table or unique_violation then
        null;
      end;
    end loop;
  end
  $$;
revoke all on function ensure_sample_partitions(date, date) from public;
grant execute on function ensure_sample_partitions(date, date) to sentinel_app;

-- Expiry is a partition drop: whole days older than the retention go at once.
create function drop_expired_sample_partitions(p_retention_days integer) returns setof text
  language plpgsql security definer
  set search_path = pg_catalog, public
  as $$
  declare
    part record;
  begin
    for part in
      select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'public.samples'::regclass and c.relname ~ '^samples_[0-9]{8}$'
         and to_date(substr(c.relname, 9), 'YYYYMMDD') < (now() at time zone 'UTC')::date - p_retention_days
    loop
      execute format('drop table public.%I', part.relname);
      return next part.relname;
    end loop;
  end
  $$;
revoke all on function drop_expired_sample_partitions(integer) from public;
grant execute on function drop_expired_sample_partitions(integer) to sentinel_app;

-- A batch id seen once is never applied again: the second delivery answers from this row.
create table ingest_batches (
  tenant_id uuid not null references tenants (id) on delete cascade,
  batch_id text not null check (length(batch_id) between 1 and 200),
  received_at timestamptz not null default now(),
  accepted integer not null,
  rejected integer not null,
  -- The first rejected rows with their reasons, so a replay answers like the original.
  rejections jsonb not null default '[]',
  primary key (tenant_id, batch_id)
);
alter table ingest_batches enable row level security;
alter table ingest_batches force row level security;
create policy tenant_isolation on ingest_batches
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select, insert (tenant_id, batch_id, accepted, rejected, rejections),
  update (accepted, rejected, rejections) on ingest_batches to sentinel_app;

-- Per endpoint and minute: what dashboards, SLA status and the models read.
create table rollups_minute (
  tenant_id uuid not null,
  endpoint_id uuid not null,
  minute timestamptz not null,
  sample_count integer not null,
  error_count integer not null,
  errors_timeout integer not null,
  errors_connection integer not null,
  errors_tls integer not null,
  errors_dns integer not null,
  errors_unexpected_status integer not null,
  -- Samples slower than the endpoint's latency threshold (at the time of the last recompute; a
  -- threshold change recomputes the endpoint's rollups). The SLA's latency percentile over any
  -- window follows from it exactly: see src/telemetry/sla.ts.
  slow_count integer not null,
  -- Bad events for event-based burn rates: samples with an error or over the threshold.
  bad_count integer not null,
  latency_p50 double precision not null,
  latency_p95 double precision not null,
  latency_p99 double precision not null,
  latency_max double precision not null,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, endpoint_id, minute),
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id)
);
alter table rollups_minute enable row level security;
alter table rollups_minute force row level security;
create policy tenant_isolation on rollups_minute
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select, insert, update, delete on rollups_minute to sentinel_app;
