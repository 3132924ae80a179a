-- Tenants, their API keys and their endpoints. Conventions: migrations/README.md.

create table tenants (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$'),
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now()
);
alter table tenants enable row level security;
alter table tenants force row level security;
create policy tenant_isolation on tenants
  using (id = (select current_tenant_id()))
  with check (id = (select current_tenant_id()));
grant select, insert (id, slug, name, created_at), update (name) on tenants to sentinel_app;

-- Tenant0: the platform's own tenant (monitors Sentinel, publishes /status).
insert into tenants (id, slug, name)
values ('00000000-0000-0000-0000-000000000000', 'tenant0', 'Sentinel (Tenant0)');

create table api_keys (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  -- The first characters of the key, shown in lists so a user can tell keys apart.
  prefix text not null,
  -- SHA-256 of the whole key. Keys are 256-bit random, so a fast hash is enough (no brute force).
  key_hash bytea not null unique,
  scope text not null check (scope in ('admin', 'ingest', 'read')),
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  primary key (tenant_id, id)
);
alter table api_keys enable row level security;
alter table api_keys force row level security;
create policy tenant_isolation on api_keys
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select, insert (tenant_id, id, name, prefix, key_hash, scope, created_at, revoked_at), update (revoked_at)
  on api_keys to sentinel_app;

-- Keys that may create tenants. No tenant, no grants to the app role: only the owner (CLI)
-- writes here and only authenticate_api_key() reads here.
create table platform_keys (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  prefix text not null,
  key_hash bytea not null unique,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
alter table platform_keys enable row level security;
alter table platform_keys force row level security;

create table endpoints (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  url text not null check (url ~ '^https?://'),
  method text not null check (method in ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')),
  expected_status_codes integer[] not null check (
    cardinality(expected_status_codes) between 1 and 20
    and 100 <= all (expected_status_codes) and 599 >= all (expected_status_codes)),
  probe_interval_seconds integer not null check (probe_interval_seconds between 30 and 86400),
  timeout_ms integer not null check (timeout_ms between 100 and 60000),
  latency_threshold_ms double precision not null check (latency_threshold_ms > 0),
  latency_percentile double precision not null check (latency_percentile > 0 and latency_percentile < 100),
  error_rate_threshold double precision not null check (error_rate_threshold > 0 and error_rate_threshold < 1),
  window_minutes integer not null check (window_minutes between 1 and 1440),
  availability_target double precision not null check (availability_target > 0 and availability_target < 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  archived_at timestamptz,
  primary key (tenant_id, id)
);
-- Keyset pagination walks (created_at, id) within a tenant.
create index endpoints_page on endpoints (tenant_id, created_at, id);
alter table endpoints enable row level security;
alter table endpoints force row level security;
create policy tenant_isolation on endpoints
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select,
  insert (tenant_id, id, name, url, method, expected_status_codes, probe_interval_seconds, timeout_ms,
          latency_threshold_ms, latency_percentile, error_rate_threshold, window_minutes,
          availability_target, created_at, updated_at, archived_at),
  update (name, url, method, expected_status_codes, probe_interval_seconds, timeout_ms,
          latency_threshold_ms, latency_percentile, error_rate_threshold, window_minutes,
          availability_target, updated_at, archived_at)
  on endpoints to sentinel_app;

-- Authentication happens before the tenant is known, so it cannot go through RLS. This function
-- answers exactly one question (whose is this live key?) and nothing else. It runs as its owner,
-- which must be a superuser or have BYPASSRLS (docs/DECISIONS.md).
create function authenticate_api_key(p_key_hash bytea)
  returns table (tenant_id uuid, key_id uuid, scope text)
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select k.tenant_id, k.id, k.scope from api_keys k
     where k.key_hash = p_key_hash and k.revoked_at is null
    union all
    select null, p.id, 'platform' from platform_keys p
     where p.key_hash = p_key_hash and p.revoked_at is null
  $$;
revoke all on function authenticate_api_key(bytea) from public;
grant execute on function authenticate_api_key(bytea) to sentinel_app;

-- Slug to id, for the CLI and public status pages. Reveals nothing a slug does not already name.
create function tenant_id_by_slug(p_slug text) returns uuid
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$ select id from tenants where slug = p_slug $$;
revoke all on function tenant_id_by_slug(text) from public;
grant execute on function tenant_id_by_slug(text) to sentinel_app;
