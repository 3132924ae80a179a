-- Hardening (issue 10). Conventions: migrations/README.md.
--
-- 1. Every security-definer function runs with `search_path = pg_catalog, pg_temp` and names every
--    object with its schema. Before, the path was `pg_catalog, public`: PostgreSQL then searches
--    the caller's temporary schema FIRST for relations, so the app role could shadow `tenants` or
--    `platform_keys` with a temp view/table (forged answers), or call its own pg_temp function
--    through such a view, running as the owner. With pg_temp listed last it is searched last, and
--    qualified names never reach it at all. test/definer-hijack.test.ts performs the attacks.
-- 2. What the caller may not decide is kept in the database (platform_settings, written by
--    `sentinel migrate` from the configuration): the sample retention below which nothing is
--    dropped, and the global aggregate's k and caps. A caller may ask for more (a longer retention,
--    a larger k, smaller caps), never less.
-- 3. A documented latency range, 0 to 3,600,000 ms, checked by a constraint on samples.

create table platform_settings (
  id boolean primary key default true check (id),
  sample_retention_days integer not null default 90 check (sample_retention_days between 1 and 36500),
  global_min_tenants integer not null default 3 check (global_min_tenants >= 2),
  global_max_rows_per_tenant integer not null default 200000 check (global_max_rows_per_tenant > 0),
  global_max_share double precision not null default 0.25
    check (global_max_share > 0 and global_max_share <= 1)
);
insert into platform_settings default values;
-- Nobody but the owner reads or writes it: the functions below run as the owner.
revoke all on platform_settings from public;

create or replace function authenticate_api_key(p_key_hash bytea)
  returns table (tenant_id uuid, key_id uuid, scope text)
  language sql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$
    select k.tenant_id, k.id, k.scope from public.api_keys k
     where k.key_hash = p_key_hash and k.revoked_at is null
    union all
    select null, p.id, 'platform' from public.platform_keys p
     where p.key_hash = p_key_hash and p.revoked_at is null
  $$;

create or replace function tenant_id_by_slug(p_slug text) returns uuid
  language sql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$ select t.id from public.tenants t where t.slug = p_slug $$;

create or replace function ensure_sample_partitions(p_from date, p_to date) returns void
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    day date;
    name text;
  begin
    if p_from is null or p_to is null or p_to < p_from then
      raise exception 'ensure_sample_partitions: invalid range % to %', p_from, p_to
        using errcode = '22023';
    end if;
    if p_to - p_from > 400 then
      raise exception 'refusing to create more than 400 partitions at once' using errcode = '22023';
    end if;
    for day in select pg_catalog.generate_series(p_from, p_to, interval '1 day')::date loop
      name := 'samples_' || pg_catalog.to_char(day, 'YYYYMMDD');
      continue when pg_catalog.to_regclass('public.' || name) is not null;
      -- Ingestion and the maintenance job may create the same partition at once: the loser's
      -- CREATE fails (relation exists, or a unique violation in pg_type) and it moves on.
      begin
        execute pg_catalog.format('create table public.%I partition of public.samples for values from (%L) to (%L)',
                       name, day::timestamp at time zone 'UTC', (day + 1)::timestamp at time zone 'UTC');
        execute pg_catalog.format('alter table public.%I enable row level security', name);
        execute pg_catalog.format('alter table public.%I force row level security', name);
        execute pg_catalog.format('create policy tenant_isolation on public.%I using (tenant_id = (select public.current_tenant_id()))'
                       ' with check (tenant_id = (select public.current_tenant_id()))', name);
      exception when duplicate_table or unique_violation then
        null;
      end;
    end loop;
  end
  $$;

-- The retention a caller names may only be longer than the operator's (platform_settings).
create function checked_retention_days(p_retention_days integer) returns integer
  language plpgsql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    floor_days integer;
  begin
    select s.sample_retention_days into strict floor_days from public.platform_settings s;
    if p_retention_days is null or p_retention_days < floor_days or p_retention_days > 36500 then
      raise exception 'retention of % days refused: it must be between % and 36500', p_retention_days, floor_days
        using errcode = '22023';
    end if;
    return p_retention_days;
  end
  $$;
revoke all on function checked_retention_days(integer) from public;

create or replace function drop_expired_sample_partitions(p_retention_days integer) returns setof text
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    part record;
    days integer := public.checked_retention_days(p_retention_days);
  begin
    for part in
      select c.relname from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'public.samples'::pg_catalog.regclass and c.relname ~ '^samples_[0-9]{8}$'
         and pg_catalog.to_date(pg_catalog.substr(c.relname, 9), 'YYYYMMDD')
             < (pg_catalog.now() at time zone 'UTC')::date - days
    loop
      execute pg_catalog.format('drop table public.%I', part.relname);
      return next part.relname;
    end loop;
  end
  $$;

create or replace function delete_expired_predictions(p_retention_days integer) returns bigint
  language sql security definer
  set search_path = pg_catalog, pg_temp
  as $$
    with gone as (
      delete from public.predictions p
       where p.minute < pg_catalog.now() - pg_catalog.make_interval(days => public.checked_retention_days(p_retention_days))
      returning 1)
    select pg_catalog.count(*) from gone
  $$;

create or replace function delete_expired_availability(p_retention_days integer) returns bigint
  language sql security definer
  set search_path = pg_catalog, pg_temp
  as $$
    with gone as (
      delete from public.availability_daily a
       where a.day < current_date - public.checked_retention_days(p_retention_days)
      returning 1)
    select pg_catalog.count(*) from gone
  $$;

-- k and the caps: the stricter of the caller's and the database's.
create or replace function global_training_rows(p_k integer, p_max_rows integer, p_max_share double precision)
  returns table (series_id uuid, idx integer, features double precision[], label boolean, onset boolean, burn_alert boolean)
  language plpgsql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    s public.platform_settings%rowtype;
    k integer;
    max_rows bigint;
    max_share double precision;
    contributors integer;
    total bigint;
    cap bigint;
  begin
    select * into strict s from public.platform_settings;
    k := greatest(s.global_min_tenants, coalesce(p_k, 0));
    max_rows := least(s.global_max_rows_per_tenant, coalesce(p_max_rows, s.global_max_rows_per_tenant));
    max_share := least(s.global_max_share, coalesce(p_max_share, s.global_max_share));
    if max_rows < 1 or max_share <= 0 or max_share > 1 then
      raise exception 'invalid caps: % rows, share %', max_rows, max_share using errcode = '22023';
    end if;
    select pg_catalog.count(distinct r.contributor) into contributors
      from public.global_feature_rows r join public.tenants t on t.id = r.contributor
     where t.contributes_to_global;
    if contributors < k then
      raise exception 'only % tenants contribute to the global model; at least % are needed', contributors, k
        using errcode = 'P0001';
    end if;
    select pg_catalog.sum(least(n, max_rows)) into total
      from (select pg_catalog.count(*) as n from public.global_feature_rows r join public.tenants t on t.id = r.contributor
             where t.contributes_to_global group by r.contributor) per_tenant;
    cap := least(max_rows, greatest(1, pg_catalog.floor(max_share * total))::bigint);
    return query
      select ranked.series_id, ranked.idx, ranked.features, ranked.label, ranked.onset, ranked.burn_alert
        from (select r.series_id, r.idx, r.features, r.label, r.onset, r.burn_alert,
                     pg_catalog.row_number() over (partition by r.contributor
                                                   order by pg_catalog.md5(r.series_id::text), r.idx) as n
                from public.global_feature_rows r join public.tenants t on t.id = r.contributor
               where t.contributes_to_global) ranked
       where ranked.n <= cap
       order by ranked.series_id, ranked.idx;
  end
  $$;

create or replace function contributing_tenants() returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$ select t.id from public.tenants t where t.contributes_to_global $$;

create or replace function tenants_to_score() returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$
    select distinct m.tenant_id from public.models m
     where m.status = 'ACTIVE' and m.tenant_id <> '00000000-0000-0000-0000-000000000001'
    union
    select distinct e.tenant_id from public.endpoints e
     where e.archived_at is null
       and exists (select 1 from public.models m where m.status = 'ACTIVE' and m.tenant_id = '00000000-0000-0000-0000-000000000001')
  $$;

-- The documented latency range. Rows outside it (stored before this check) are removed first:
-- they cannot be shown or modelled meaningfully, and they are what broke the feature queries.
-- Then the constraint is added NOT VALID (no long lock on the parent) and validated, which checks
-- every existing partition; partitions created later inherit it.
delete from samples where latency_ms > 3600000;
alter table samples add constraint samples_latency_range
  check (latency_ms >= 0 and latency_ms <= 3600000) not valid;
alter table samples validate constraint samples_latency_range;
-- Rollups made from such rows carry the absurd value on; their minutes are dropped (the data they
-- summarised is gone) rather than left to overflow the feature queries.
delete from rollups_minute where latency_max > 3600000;
