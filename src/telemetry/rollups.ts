import type { EntityManager } from 'typeorm';
import type { TouchedRange } from './batches';

/**
 * Recomputes the per-minute rollups of the minutes in `range` from the raw samples. Idempotent:
 * late samples simply trigger another recompute of their minute. Percentiles are
 * percentile_cont over every sample of the minute (errors included, at their observed latency).
 */
export async function recomputeRollups(manager: EntityManager, tenantId: string, range: TouchedRange): Promise<number> {
  const from = new Date(Math.floor(range.from.getTime() / 60_000) * 60_000);
  const to = new Date(Math.floor(range.to.getTime() / 60_000) * 60_000 + 60_000);
  const result: unknown[] = await manager.query(
    `insert into rollups_minute as r (tenant_id, endpoint_id, minute, sample_count, error_count, errors_timeout,
        errors_connection, errors_tls, errors_dns, errors_unexpected_status, latency_p50, latency_p95, latency_p99,
        latency_max, updated_at)
     select $1, endpoint_id, date_trunc('minute', observed_at), count(*), count(error_kind),
            count(*) filter (where error_kind = 'timeout'), count(*) filter (where error_kind = 'connection'),
            count(*) filter (where error_kind = 'tls'), count(*) filter (where error_kind = 'dns'),
            count(*) filter (where error_kind = 'unexpected_status'),
            percentile_cont(0.5) within group (order by latency_ms),
            percentile_cont(0.95) within group (order by latency_ms),
            percentile_cont(0.99) within group (order by latency_ms),
            max(latency_ms), now()
       from samples
      where endpoint_id = $2 and observed_at >= $3 and observed_at < $4
      group by endpoint_id, date_trunc('minute', observed_at)
     on conflict (tenant_id, endpoint_id, minute) do update set
       sample_count = excluded.sample_count, error_count = excluded.error_count,
       errors_timeout = excluded.errors_timeout, errors_connection = excluded.errors_connection,
       errors_tls = excluded.errors_tls, errors_dns = excluded.errors_dns,
       errors_unexpected_status = excluded.errors_unexpected_status,
       latency_p50 = excluded.latency_p50, latency_p95 = excluded.latency_p95, latency_p99 = excluded.latency_p99,
       latency_max = excluded.latency_max, updated_at = excluded.updated_at
     returning 1`,
    [tenantId, range.endpointId, from.toISOString(), to.toISOString()],
  );
  return result.length;
}
