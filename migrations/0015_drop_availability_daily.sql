-- Status pages read each day's availability from the running totals on the rollup rows (0014):
-- two index probes a day, always current, so the kept days and their invalidation are gone
-- (src/telemetry/sla.ts dailyAvailability).
drop function delete_expired_availability(integer);
drop table availability_daily;
