-- Herd immunity: anonymised feature rows from every participating tenant, readable only by the
-- platform role through one function; the global model's scope; opt-out and feature flags.

-- The platform role: reads the anonymised aggregate (global training), nothing else.
do $$
begin
  create role sentinel_platform login nosuperuser nobypassrls nocreatedb nocreaterole noinherit;
exception when duplicate_object then
  null;
end
$$;
grant usage on schema public to sentinel_platform;

-- A tenant contributes to the global model unless it opts out; it always receives it.
alter table tenants add column contributes_to_global boolean not null default true;
-- Switches for new model kinds and features, on for Tenant0 first (the Apex Sandbox).
alter table tenants add column feature_flags text[] not null default '{}';
grant insert (contributes_to_global, feature_flags), update (contributes_to_global, feature_flags) on tenants to sentinel_app;
update tenants set feature_flags = '{wide-mlp}' where id = '00000000-0000-0000-0000-000000000000';

-- The global model's scope: a reserved tenant row, so the registry, jobs and progress stream work
-- for it unchanged. It has no endpoints and no keys, never contributes, publishes no page.
insert into tenants (id, slug, name, contributes_to_global)
values ('00000000-0000-0000-0000-000000000001', 'global-model', 'Global model (platform)', false);

-- Every tenant may read the global scope's models (they serve it); only jobs in that scope write them.
create policy global_models_readable on models for select
  using (tenant_id = '00000000-0000-0000-0000-000000000001');
-- A prediction may come from the tenant's own model or the global one.
alter table predictions drop constraint predictions_tenant_id_model_id_fkey;
-- What a tenant model was fine-tuned from (the global model), if anything.
alter table models add column base_model_id uuid;
grant insert (base_model_id) on models to sentinel_app;

-- Contributions. The app role may add and remove its own tenant's rows, never read any: no
-- select grant, and the policies only match the current tenant. Rows carry no endpoint, URL,
-- name or time: a random series id per endpoint and contribution, and the minute's index in it.
-- Latency features are already relative to each endpoint's own SLA threshold.
create table global_feature_rows (
  contributor uuid not null references tenants (id) on delete cascade,
  series_id uuid not null,
  idx integer not null,
  features double precision[] not null,
  label boolean not null,
  onset boolean not null,
  burn_alert boolean not null,
  contributed_at timestamptz not null default now(),
  primary key (contributor, series_id, idx)
);
alter table global_feature_rows enable row level security;
alter table global_feature_rows force row level security;
create policy own_contribution_insert on global_feature_rows for insert
  with check (contributor = (select current_tenant_id()));
create policy own_contribution_delete on global_feature_rows for delete
  using (contributor = (select current_tenant_id()));
grant insert (contributor, series_id, idx, features, label, onset, burn_alert), delete on global_feature_rows to sentinel_app;

-- The one object global training reads. Only tenants that contribute now count (an opt-out takes
-- effect at once, whatever rows remain); each contributes at most p_max_rows rows and at most
-- p_max_share of the total, whole series first (so no tenant dominates or poisons it); and with
-- fewer than p_k contributors it refuses. No identifying column leaves it.
create function global_training_rows(p_k integer, p_max_rows integer, p_max_share double precision)
  returns table (series_id uuid, idx integer, features double precision[], label boolean, onset boolean, burn_alert boolean)
  language plpgsql stable security definer
  set search_path = pg_catalog, public
  as $$
  declare
    contributors integer;
    total bigint;
    cap bigint;
  begin
    select count(distinct r.contributor) into contributors
      from public.global_feature_rows r join public.tenants t on t.id = r.contributor
     where t.contributes_to_global;
    if contributors < p_k then
      raise exception 'only % tenants contribute to the global model; at least % are needed', contributors, p_k
        using errcode = 'P0001';
    end if;
    select sum(least(n, p_max_rows)) into total
      from (select count(*) as n from public.global_feature_rows r join public.tenants t on t.id = r.contributor
             where t.contributes_to_global group by r.contributor) per_tenant;
    cap := least(p_max_rows::bigint, greatest(1, floor(p_max_share * total))::bigint);
    return query
      select ranked.series_id, ranked.idx, ranked.features, ranked.label, ranked.onset, ranked.burn_alert
        from (select r.*, row_number() over (partition by r.contributor order by md5(r.series_id::text), r.idx) as n
                from public.global_feature_rows r join public.tenants t on t.id = r.contributor
               where t.contributes_to_global) ranked
       where ranked.n <= cap
       order by ranked.series_id, ranked.idx;
  end
  $$;
revoke all on function global_training_rows(integer, integer, double precision) from public;
grant execute on function global_training_rows(integer, integer, double precision) to sentinel_platform;

-- The tenants whose data the global job refreshes before it trains.
create function contributing_tenants() returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$ select id from public.tenants where contributes_to_global $$;
revoke all on function contributing_tenants() from public;
grant execute on function contributing_tenants() to sentinel_app;

-- Scoring covers every tenant with an active model, and, once a global model is active, every
-- tenant with endpoints (a new tenant gets forecasts from the global model on day one).
create function tenants_to_score() returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select distinct tenant_id from public.models
     where status = 'ACTIVE' and tenant_id <> '00000000-0000-0000-0000-000000000001'
    union
    select distinct e.tenant_id from public.endpoints e
     where e.archived_at is null
       and exists (select 1 from public.models m where m.status = 'ACTIVE' and m.tenant_id = '00000000-0000-0000-0000-000000000001')
  $$;
revoke all on function tenants_to_score() from public;
grant execute on function tenants_to_score() to sentinel_app;
