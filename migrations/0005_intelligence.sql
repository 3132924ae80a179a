-- Intelligence: training jobs, the model registry, predictions and webhooks.
-- Conventions: migrations/README.md. Tenant models only; the global scope is issue 5's.

-- The registry. A model's artifact (TF.js topology + weight bytes) is written once, with its
-- SHA-256; the app role may change a model's status, never its artifact. (Insert grants list
-- every column because TypeORM names them all; the update grants are what protect rows.)
create table models (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  version integer not null check (version > 0),
  status text not null check (status in ('CANDIDATE', 'ACTIVE', 'RETIRED')),
  kind text not null default 'mlp' check (kind in ('mlp')),
  horizon_minutes integer not null check (horizon_minutes between 1 and 240),
  feature_names text[] not null,
  normalization jsonb not null,
  hidden_units integer[] not null,
  threshold double precision not null check (threshold >= 0 and threshold <= 1),
  training_from timestamptz not null,
  training_to timestamptz not null,
  -- The held-out evaluation: the model's alert and the burn-rate alert on the same minutes.
  evaluation jsonb not null,
  parent_id uuid,
  training_job_id uuid,
  -- json, not jsonb: kept as written, so the bytes the SHA-256 covers come back unchanged.
  topology json not null,
  weight_specs json not null,
  weights bytea not null,
  artifact_sha256 text not null check (artifact_sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now(),
  promoted_at timestamptz,
  retired_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, version),
  foreign key (tenant_id, parent_id) references models (tenant_id, id)
);
-- At most one ACTIVE model per scope, whatever the application does.
create unique index models_one_active on models (tenant_id) where status = 'ACTIVE';
alter table models enable row level security;
alter table models force row level security;
create policy tenant_isolation on models
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select,
  insert (tenant_id, id, version, status, kind, horizon_minutes, feature_names, normalization, hidden_units,
          threshold, training_from, training_to, evaluation, parent_id, training_job_id, topology,
          weight_specs, weights, artifact_sha256, created_at, promoted_at, retired_at),
  update (status, promoted_at, retired_at)
  on models to sentinel_app;

-- One row per trainModel call. `seq` numbers the progress events, so a subscriber that reads the
-- row and then hears events knows which ones it has already seen.
create table training_jobs (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  state text not null check (state in ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')),
  -- What was asked: horizon, epochs, window, seed, endpoints, auto-promotion.
  request jsonb not null,
  attempt integer not null default 0,
  seq integer not null default 0,
  -- The last progress event, what a late subscriber receives first.
  last_event jsonb not null,
  cancel_requested boolean not null default false,
  model_id uuid,
  reason text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  primary key (tenant_id, id)
);
create index training_jobs_recent on training_jobs (tenant_id, created_at desc);
alter table training_jobs enable row level security;
alter table training_jobs force row level security;
create policy tenant_isolation on training_jobs
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select,
  insert (tenant_id, id, state, request, attempt, seq, last_event, cancel_requested, model_id, reason,
          created_at, started_at, finished_at),
  update (state, attempt, seq, last_event, cancel_requested, model_id, reason, started_at, finished_at)
  on training_jobs to sentinel_app;

-- One prediction per endpoint and scored minute.
create table predictions (
  tenant_id uuid not null,
  endpoint_id uuid not null,
  minute timestamptz not null,
  model_id uuid not null,
  probability double precision not null check (probability >= 0 and probability <= 1),
  above_threshold boolean not null,
  -- The features that moved this probability most: [{name, value, contribution}].
  top_features jsonb not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, endpoint_id, minute),
  foreign key (tenant_id, endpoint_id) references endpoints (tenant_id, id),
  foreign key (tenant_id, model_id) references models (tenant_id, id)
);
alter table predictions enable row level security;
alter table predictions force row level security;
create policy tenant_isolation on predictions
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select,
  insert (tenant_id, endpoint_id, minute, model_id, probability, above_threshold, top_features, created_at),
  update (model_id, probability, above_threshold, top_features, created_at)
  on predictions to sentinel_app;

-- Webhooks: the secret signs deliveries (HMAC-SHA256), so it is kept, and shown once.
create table webhooks (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  url text not null check (url ~ '^https?://' and length(url) <= 2000),
  events text[] not null check (cardinality(events) between 1 and 10
    and events <@ array['BREACH_PREDICTED', 'BREACH_STARTED']),
  secret text not null,
  created_at timestamptz not null default now(),
  disabled_at timestamptz,
  primary key (tenant_id, id)
);
alter table webhooks enable row level security;
alter table webhooks force row level security;
create policy tenant_isolation on webhooks
  using (tenant_id = (select current_tenant_id()))
  with check (tenant_id = (select current_tenant_id()));
grant select, insert (tenant_id, id, url, events, secret, created_at, disabled_at), update (disabled_at)
  on webhooks to sentinel_app;

-- Predictions older than the retention go with the hourly maintenance, across tenants.
create function delete_expired_predictions(p_retention_days integer) returns bigint
  language sql security definer
  set search_path = pg_catalog, public
  as $$
    with gone as (delete from public.predictions where minute < now() - make_interval(days => p_retention_days) returning 1)
    select count(*) from gone
  $$;
revoke all on function delete_expired_predictions(integer) from public;
grant execute on function delete_expired_predictions(integer) to sentinel_app;
