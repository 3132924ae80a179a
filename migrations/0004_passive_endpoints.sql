-- Endpoints fed only by pushed telemetry (POST /ingest, ingestSamples) are not probed.
alter table endpoints add column probe_enabled boolean not null default true;
grant insert (probe_enabled), update (probe_enabled) on endpoints to sentinel_app;
