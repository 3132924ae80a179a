-- delete_expired_webhook_deliveries() accepted any age of at least one day: with the app role's
-- login alone, delete_expired_webhook_deliveries(1) cut every tenant's delivery log to a day,
-- where the product keeps 30 (src/jobs/maintenance-jobs.ts, DELIVERY_LOG_DAYS). It now refuses
-- fewer than 30 days, as the other maintenance functions refuse retentions below the operator's
-- (test/definer-hijack.test.ts). Keeping the log longer is still allowed.
create or replace function delete_expired_webhook_deliveries(p_days integer) returns bigint
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
  declare gone bigint;
  begin
    if p_days is null or p_days < 30 or p_days > 36500 then
      raise exception 'delivery log age of % days refused: it must be between 30 and 36500', p_days
        using errcode = '22023';
    end if;
    delete from public.webhook_deliveries where at < pg_catalog.now() - pg_catalog.make_interval(days => p_days);
    get diagnostics gone = row_count;
    return gone;
  end
  $$;
