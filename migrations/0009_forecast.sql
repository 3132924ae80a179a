-- Forecasts you can act on (issue 9). Conventions: migrations/README.md.

-- 1. The SLA latency percentile is over successful samples only: an errored sample (a 10 s
-- timeout) counts through the error rate, never as a slow sample too. `slow_count` now counts
-- successful samples over the threshold, and the rollup percentiles are over successful samples
-- (null in a minute where every sample failed). Existing rollups are recomputed from the samples
-- still kept; kept daily availability is derived from them, so it is dropped and recomputed on
-- demand.
alter table rollups_minute alter column latency_p50 drop not null,
                           alter column latency_p95 drop not null,
                           alter column latency_p99 drop not null;
comment on column rollups_minute.slow_count is
  'Successful samples (no error kind) slower than the latency threshold. Errored samples count through error_count only.';
comment on column rollups_minute.latency_p95 is
  'p95 latency of the successful samples of the minute; null when every sample failed.';
update rollups_minute r
   set slow_count = x.slow, bad_count = r.error_count + x.slow,
       latency_p50 = x.p50, latency_p95 = x.p95, latency_p99 = x.p99
  from (select s.tenant_id, s.endpoint_id, date_trunc('minute', s.observed_at) as minute,
               count(*) filter (where s.error_kind is null and s.latency_ms > e.latency_threshold_ms)::int as slow,
               percentile_cont(0.5) within group (order by s.latency_ms) filter (where s.error_kind is null) as p50,
               percentile_cont(0.95) within group (order by s.latency_ms) filter (where s.error_kind is null) as p95,
               percentile_cont(0.99) within group (order by s.latency_ms) filter (where s.error_kind is null) as p99
          from samples s join endpoints e on e.tenant_id = s.tenant_id and e.id = s.endpoint_id
         group by 1, 2, 3) x
 where r.tenant_id = x.tenant_id and r.endpoint_id = x.endpoint_id and r.minute = x.minute;
delete from availability_daily;

-- 2. Calibrated models. `threshold` is on the calibrated scale when `calibration` (Platt scaling
-- fitted on validation: p = sigmoid(a * logit(raw) + b)) is set. From digest version 2 on, the
-- SHA-256 covers the whole record (threshold, normalisation, calibration, features, horizon,
-- layers), not only the weights. `promotion_decision` says why the gate did or did not promote a
-- model; `refused_reason` is set by the worker when it refuses to load one (and cleared when the
-- record is restored and it loads again).
alter table models add column calibration jsonb,
                   add column digest_version smallint not null default 1 check (digest_version in (1, 2)),
                   add column promotion_decision text,
                   add column refused_reason text;
grant insert (calibration, digest_version, promotion_decision, refused_reason),
      update (refused_reason) on models to sentinel_app;

-- 5. The promotion gate and the serving guard: false alerts per endpoint-day a tenant accepts
-- from a model (default 1). A model is promoted automatically only within it, and a served
-- model whose live false alerts over the last day exceed it stops alerting for the tenant.
-- 8. Scheduled retraining per tenant: on by default, every `retrain_every_days` days.
alter table tenants add column false_alert_budget double precision not null default 1
                      check (false_alert_budget > 0 and false_alert_budget <= 100),
                    add column auto_retrain boolean not null default true,
                    add column retrain_every_days integer not null default 7
                      check (retrain_every_days between 1 and 90);
grant insert (false_alert_budget, auto_retrain, retrain_every_days),
      update (false_alert_budget, auto_retrain, retrain_every_days) on tenants to sentinel_app;

-- 6. Alerts as episodes. Per endpoint: whether BREACH_PREDICTED is armed (it fires once when risk
-- rises over the threshold, and re-arms only when risk falls below a lower level or a breach
-- episode ends), and up to which minute breach onsets have been reported (BREACH_STARTED fires
-- for every onset, also when scoring lags).
create table alert_state (
  tenant_id uuid not null,
  endpoint_id uuid not null,
  armed boolean not null default true,
  -- The same for the burn-rate alert, which pages while the serving guard holds the model back.
  burn_armed boolean not null default true,
  onsets_checked_to timestamptz,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, endpoint_id),
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id)
);
alter table alert_state enable row level security;
alter table alert_state force row level security;
create policy tenant_isolation on alert_state
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select, insert (tenant_id, endpoint_id, armed, burn_armed, onsets_checked_to, updated_at),
  update (armed, burn_armed, onsets_checked_to, updated_at) on alert_state to sentinel_app;

-- What was alerted and what happened: every model alert (delivered or not: the serving guard
-- watches the model's live false alerts even while it is not the one alerting), every burn-rate
-- fallback alert, and every onset. A PREDICTED row with no ONSET within the horizon after it is a
-- false alert.
create table alert_log (
  tenant_id uuid not null,
  endpoint_id uuid not null,
  minute timestamptz not null,
  kind text not null check (kind in ('PREDICTED', 'ONSET')),
  source text not null check (source in ('MODEL', 'BURN_RATE', 'SLA')),
  model_id uuid,
  horizon_minutes integer not null default 15,
  delivered boolean not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, endpoint_id, minute, kind, source),
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id)
);
alter table alert_log enable row level security;
alter table alert_log force row level security;
create policy tenant_isolation on alert_log
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select, insert (tenant_id, endpoint_id, minute, kind, source, model_id, horizon_minutes, delivered, created_at)
  on alert_log to sentinel_app;

-- Alert history older than the retention goes with the hourly maintenance, across tenants.
create function delete_expired_alert_log(p_retention_days integer) returns bigint
  language sql security definer
  set search_path = pg_catalog, pg_temp
  as $$
    with gone as (delete from public.alert_log a where a.minute < pg_catalog.now() - pg_catalog.make_interval(days => p_retention_days) returning 1)
    select pg_catalog.count(*) from gone
  $$;
revoke all on function delete_expired_alert_log(integer) from public;
grant execute on function delete_expired_alert_log(integer) to sentinel_app;

-- 4. The global aggregate. Rows say whether they lie inside a breach episode (neither training
-- rows nor alerts there). The per-tenant cap samples rows evenly across all of a tenant's series
-- (it used to keep whole series and drop the rest: 3 of 4 endpoints), and a tenant counts towards
-- k only with at least p_min_rows rows of its own.
alter table global_feature_rows add column in_episode boolean not null default false;
grant insert (in_episode) on global_feature_rows to sentinel_app;
-- A new overload (four arguments, none defaulted so that three-argument calls stay unambiguous),
-- not a replacement: the three-argument one keeps its grants (migration 0010 redefines it in
-- place) and stays for callers of the old signature.
-- k and the caps are the stricter of the caller's and platform_settings' (migration 0010, read at
-- run time); search_path and qualified names as 0010 requires of security-definer functions.
create function global_training_rows(p_k integer, p_max_rows integer, p_max_share double precision,
                                     p_min_rows integer)
  returns table (series_id uuid, idx integer, features double precision[], label boolean, onset boolean,
                 burn_alert boolean, in_episode boolean)
  language plpgsql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$
  declare
    k integer := coalesce(p_k, 0);
    max_rows bigint := p_max_rows;
    max_share double precision := p_max_share;
    contributors integer;
    total bigint;
    cap bigint;
  begin
    if pg_catalog.to_regclass('public.platform_settings') is not null then
      execute 'select greatest(global_min_tenants, $1), least(global_max_rows_per_tenant, coalesce($2, global_max_rows_per_tenant)),
                      least(global_max_share, coalesce($3, global_max_share)) from public.platform_settings'
        into k, max_rows, max_share using k, max_rows, max_share;
    end if;
    if max_rows is null or max_rows < 1 or max_share is null or max_share <= 0 or max_share > 1 then
      raise exception 'invalid caps: % rows, share %', max_rows, max_share using errcode = '22023';
    end if;
    select pg_catalog.count(*), pg_catalog.sum(least(c.n, max_rows)) into contributors, total
      from (select pg_catalog.count(*) as n from public.global_feature_rows r join public.tenants t on t.id = r.contributor
             where t.contributes_to_global group by r.contributor having pg_catalog.count(*) >= p_min_rows) c;
    if contributors < k then
      raise exception 'only % tenants contribute to the global model with at least % rows each; at least % are needed',
        contributors, p_min_rows, k
        using errcode = 'P0001';
    end if;
    cap := least(max_rows, greatest(1, pg_catalog.floor(max_share * total))::bigint);
    -- Keep exactly `cap` rows of a tenant over the cap, taken from all its series alike: rows go
    -- in 6-hour blocks (so alerts and onsets stay contiguous in time), blocks in an order that
    -- spreads them over time and series (golden-ratio steps from a per-series phase), and the
    -- first `cap` rows in that order are kept. No series is dropped whole.
    return query
      with counted as (
        select r.contributor, pg_catalog.count(*) as n from public.global_feature_rows r join public.tenants t on t.id = r.contributor
         where t.contributes_to_global group by r.contributor having pg_catalog.count(*) >= p_min_rows),
      keyed as (
        select r.series_id, r.idx, r.features, r.label, r.onset, r.burn_alert, r.in_episode, r.contributor, c.n,
               (r.idx / 360) * 0.6180339887 + (abs(pg_catalog.hashtext(r.series_id::text)) % 1000) / 1000.0 as spread
          from public.global_feature_rows r join counted c on c.contributor = r.contributor),
      ranked as (
        select keyed.*, pg_catalog.row_number() over (partition by keyed.contributor
                                                      order by keyed.spread - pg_catalog.floor(keyed.spread), keyed.series_id, keyed.idx) as k
          from keyed)
      select ranked.series_id, ranked.idx, ranked.features, ranked.label, ranked.onset, ranked.burn_alert, ranked.in_episode
        from ranked
       where ranked.n <= cap or ranked.k <= cap
       order by ranked.series_id, ranked.idx;
  end
  $$;
revoke all on function global_training_rows(integer, integer, double precision, integer) from public;
grant execute on function global_training_rows(integer, integer, double precision, integer) to sentinel_platform;

-- 3. A minute that stands on too little data (one sample after a 17-minute gap) gets no
-- probability: null, with the reason.
alter table predictions alter column probability drop not null,
                        add column insufficient_reason text,
                        add constraint predictions_probability_or_reason
                          check ((probability is null) = (insufficient_reason is not null));
grant insert (insufficient_reason), update (insufficient_reason) on predictions to sentinel_app;

-- 8. Scheduled retraining for every tenant (not only the global model and Tenant0): tenants with
-- auto_retrain on, no job within their period and none under way, and at least a day of new
-- endpoint-minutes since their last model's training data; the longest-waiting first, at most
-- p_limit per run (staggered and fair).
create function tenants_due_for_retraining(p_limit integer) returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$
    select t.id from public.tenants t
     where t.auto_retrain
       and t.id not in ('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000001')
       and not exists (select 1 from public.training_jobs j
                        where j.tenant_id = t.id
                          and (j.created_at > pg_catalog.now() - pg_catalog.make_interval(days => t.retrain_every_days)
                               or j.state not in ('COMPLETED', 'FAILED', 'CANCELLED')))
       and (select pg_catalog.count(*) from (select 1 from public.rollups_minute r
                                   where r.tenant_id = t.id
                                     and r.minute > coalesce((select pg_catalog.max(m.training_to) from public.models m where m.tenant_id = t.id), '-infinity')
                                   limit 1440) fresh) >= 1440
     order by (select pg_catalog.max(j.created_at) from public.training_jobs j where j.tenant_id = t.id) nulls first, t.id
     limit p_limit
  $$;
revoke all on function tenants_due_for_retraining(integer) from public;
grant execute on function tenants_due_for_retraining(integer) to sentinel_app;

-- 8. A job keeps every event (`events`), so a client that polls sees every epoch, not only the
-- last one; events carry a phase (COMPUTING_FEATURES before epoch 1, TRAINING, then the end).
alter table training_jobs add column events jsonb not null default '[]';
grant insert (events), update (events) on training_jobs to sentinel_app;
