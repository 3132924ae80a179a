-- Public status pages: a tenant publishes one at /status/<slug>, showing only the endpoints it
-- marks public. Tenant0's page (/status) is published, with Sentinel's own checks on it.

alter table tenants add column status_page_published boolean not null default false;
grant insert (status_page_published), update (status_page_published) on tenants to sentinel_app;
update tenants set status_page_published = true where id = '00000000-0000-0000-0000-000000000000';

alter table endpoints add column public boolean not null default false;
grant insert (public), update (public) on endpoints to sentinel_app;
