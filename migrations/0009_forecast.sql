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
