-- Notifications where people look (issue 12): webhook formats and a delivery log, one open
-- incident per endpoint (the episode a PagerDuty dedup key and an acknowledgement refer to),
-- maintenance windows, and a per-tenant version that status pages compare on every request.
-- Conventions: migrations/README.md. Security-definer functions here search pg_catalog, then
-- pg_temp last, and name every table with its schema.

-- Webhook formats. The PagerDuty routing key is a secret like the signing secret: stored, never
-- returned by the API.
alter table webhooks add column format text not null default 'GENERIC'
  check (format in ('GENERIC', 'SLACK', 'PAGERDUTY'));
alter table webhooks add column routing_key text check (length(routing_key) between 1 and 200);
alter table webhooks add constraint webhooks_routing_key_format
  check ((format = 'PAGERDUTY') = (routing_key is not null));
alter table webhooks drop constraint webhooks_events_check;
alter table webhooks add constraint webhooks_events_check
  check (cardinality(events) between 1 and 10
    and events <@ array['BREACH_PREDICTED', 'BREACH_STARTED', 'RECOVERED']);
grant insert (format, routing_key), delete on webhooks to sentinel_app;

-- One row per delivery attempt (and per test), newest first per webhook. Goes with its webhook.
create table webhook_deliveries (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  webhook_id uuid not null,
  at timestamptz not null default now(),
  event text not null check (length(event) <= 40),
  delivery_id text not null check (length(delivery_id) <= 100),
  attempt integer not null check (attempt >= 1),
  status_code integer,
  latency_ms double precision,
  error text check (length(error) <= 1000),
  primary key (tenant_id, id),
  foreign key (tenant_id, webhook_id) references webhooks (tenant_id, id) on delete cascade
);
alter table webhook_deliveries enable row level security;
alter table webhook_deliveries force row level security;
create policy tenant_isolation on webhook_deliveries
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select,
  insert (tenant_id, id, webhook_id, at, event, delivery_id, attempt, status_code, latency_ms, error)
  on webhook_deliveries to sentinel_app;
create index webhook_deliveries_recent on webhook_deliveries (tenant_id, webhook_id, at desc);

-- An endpoint's open incident: opened by a prediction or a breach onset, resolved when the breach
-- episode ends (or the predicted breach did not come). At most one open per endpoint.
create table endpoint_incidents (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  endpoint_id uuid not null,
  opened_at timestamptz not null,
  breach_started_at timestamptz,
  acknowledged_at timestamptz,
  resolved_at timestamptz,
  -- Opened by an onset during maintenance: announced only if the breach outlasts the window.
  silenced boolean not null default false,
  primary key (tenant_id, id),
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id)
);
alter table endpoint_incidents enable row level security;
alter table endpoint_incidents force row level security;
create policy tenant_isolation on endpoint_incidents
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select,
  insert (tenant_id, id, endpoint_id, opened_at, breach_started_at, silenced),
  update (breach_started_at, acknowledged_at, resolved_at, silenced)
  on endpoint_incidents to sentinel_app;
create unique index endpoint_incidents_one_open on endpoint_incidents (tenant_id, endpoint_id)
  where resolved_at is null;

-- The tenants with an open incident, for the worker's per-minute watch (across tenants).
create function tenants_with_open_incidents() returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$ select distinct tenant_id from public.endpoint_incidents where resolved_at is null $$;
revoke all on function tenants_with_open_incidents() from public;
grant execute on function tenants_with_open_incidents() to sentinel_app;

-- Maintenance: an endpoint (or, with no endpoint, the whole tenant) over [starts_at, ends_at).
create table maintenance_windows (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  endpoint_id uuid,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  reason text not null default '' check (length(reason) <= 500),
  created_at timestamptz not null default now(),
  check (ends_at > starts_at),
  primary key (tenant_id, id),
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id)
);
alter table maintenance_windows enable row level security;
alter table maintenance_windows force row level security;
create policy tenant_isolation on maintenance_windows
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select,
  insert (tenant_id, id, endpoint_id, starts_at, ends_at, reason, created_at),
  delete
  on maintenance_windows to sentinel_app;
create index maintenance_windows_range on maintenance_windows (tenant_id, ends_at);

-- Status pages: any change to a tenant's endpoints or maintenance bumps its version, which every
-- API instance compares with its cached page on each request (issue 10, item 12).
alter table tenants add column status_version bigint not null default 0;
create function bump_status_version() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    update public.tenants set status_version = status_version + 1
     where id = case when tg_op = 'DELETE' then old.tenant_id else new.tenant_id end;
    return null;
  end
  $$;
revoke all on function bump_status_version() from public;
create trigger endpoints_status_version after insert or update or delete on endpoints
  for each row execute function bump_status_version();
create trigger maintenance_status_version after insert or update or delete on maintenance_windows
  for each row execute function bump_status_version();

-- Delivery log rows older than p_days go with the hourly maintenance, across tenants.
create function delete_expired_webhook_deliveries(p_days integer) returns bigint
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
  declare gone bigint;
  begin
    if p_days is null or p_days < 1 then
      raise exception 'p_days must be at least 1' using errcode = '22023';
    end if;
    delete from public.webhook_deliveries where at < now() - make_interval(days => p_days);
    get diagnostics gone = row_count;
    return gone;
  end
  $$;
revoke all on function delete_expired_webhook_deliveries(integer) from public;
grant execute on function delete_expired_webhook_deliveries(integer) to sentinel_app;

-- Demo tenants were named "Demo demo (synthetic data)": the slug's "demo" said twice.
update tenants
   set name = case when slug = 'demo' then 'Demo (synthetic data)'
                   else 'Demo ' || substr(slug, 6) || ' (synthetic data)' end
 where slug ~ '^demo(-[0-9]+)?$' and name = 'Demo ' || slug || ' (synthetic data)';
