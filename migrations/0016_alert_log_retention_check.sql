-- delete_expired_alert_log() took any retention from its caller: with the app role's login alone,
-- delete_expired_alert_log(-1000) emptied every tenant's alert history (issue 10's class of
-- hole, missed in 0010). It now refuses retentions below the operator's, as the other
-- maintenance functions do (test/definer-hijack.test.ts).
create or replace function delete_expired_alert_log(p_retention_days integer) returns bigint
  language sql security definer
  set search_path = pg_catalog, pg_temp
  as $$
    with gone as (
      delete from public.alert_log a
       where a.minute < pg_catalog.now()
                        - pg_catalog.make_interval(days => public.checked_retention_days(p_retention_days))
      returning 1)
    select pg_catalog.count(*) from gone
  $$;
