-- The app role: every request and job runs as it. It logs in, owns nothing and cannot bypass
-- row-level security. Roles are cluster-wide, so another database may have created it already.
do $$
begin
  create role sentinel_app login nosuperuser nobypassrls nocreatedb nocreaterole noinherit;
exception when duplicate_object then
  null;
end
$$;

grant usage on schema public to sentinel_app;

-- The tenant of the current transaction, or null when none is set. Every policy compares against
-- this. `nullif` matters: after a transaction-local set_config ends, the setting reads as ''.
create function current_tenant_id() returns uuid
  language sql stable
  as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$;
