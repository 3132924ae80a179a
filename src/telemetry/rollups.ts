import type { DataSource, EntityManager } from 'typeorm';
import { withTenant } from '../tenancy/with-tenant';
import type { TouchedRange } from './batches';
import { lockEndpointRollups, refreshRollupState } from './rollup-state';

/**
 * Recomputes the per-minute rollups of the minutes in `range` from the raw samples. Idempotent:
 * late samples simply trigger another recompute of their minute, a new latency threshold a
 * recompute of the endpoint's whole history. Percentiles are
 * percentile_cont over the minute's successful samples (null when all failed), and `slow_count`
 * counts successful samples over the threshold: an errored sample counts through the error rate
 * only (SPEC section 4), never as a slow one too. The rows' incremental state (running totals,
 * breach flags: src/telemetry/rollup-state.ts) is advanced from the first recomputed minute on.
 */
export async function recomputeRollups(
  manager: EntityManager,
  tenantId: string,
  range: TouchedRange,
): Promise<number> {
  const from = new Date(Math.floor(range.from.getTime() / 60_000) * 60_000);
  const to = new Date(Math.floor(range.to.getTime() / 60_000) * 60_000 + 60_000);
  await lockEndpointRollups(manager, range.endpointId);
  const result: unknown[] = await manager.query(
    `insert into rollups_minute as r (tenant_id, endpoint_id, minute, sample_count, error_count, errors_timeout,
        errors_connection, errors_tls, errors_dns, errors_unexpected_status, slow_count, bad_count, latency_p50, latency_p95,
        latency_p99, latency_max, updated_at)
     select $1, s.endpoint_id, date_trunc('minute', s.observed_at), count(*), count(error_kind),
            count(*) filter (where error_kind = 'timeout'), count(*) filter (where error_kind = 'connection'),
            count(*) filter (where error_kind = 'tls'), count(*) filter (where error_kind = 'dns'),
            count(*) filter (where error_kind = 'unexpected_status'),
            count(*) filter (where s.error_kind is null and s.latency_ms > e.latency_threshold_ms),
            count(*) filter (where s.error_kind is not null or s.latency_ms > e.latency_threshold_ms),
            percentile_cont(0.5) within group (order by latency_ms) filter (where s.error_kind is null),
            percentile_cont(0.95) within group (order by latency_ms) filter (where s.error_kind is null),
            percentile_cont(0.99) within group (order by latency_ms) filter (where s.error_kind is null),
            max(latency_ms), now()
       from samples s join endpoints e on e.tenant_id = s.tenant_id and e.id = s.endpoint_id
      where s.endpoint_id = $2 and s.observed_at >= $3 and s.observed_at < $4
      group by s.endpoint_id, date_trunc('minute', s.observed_at)
     on conflict (tenant_id, endpoint_id, minute) do update set
       sample_count = excluded.sample_count, error_count = excluded.error_count,
       errors_timeout = excluded.errors_timeout, errors_connection = excluded.errors_connection,
       errors_tls = excluded.errors_tls, errors_dns = excluded.errors_dns,
       errors_unexpected_status = excluded.errors_unexpected_status, slow_count = excluded.slow_count, bad_count = excluded.bad_count,
       latency_p50 = excluded.latency_p50, latency_p95 = excluded.latency_p95, latency_p99 = excluded.latency_p99,
       latency_max = excluded.latency_max, updated_at = excluded.updated_at
     returning 1`,
    [tenantId, range.endpointId, from.toISOString(), to.toISOString()],
  );
  await refreshRollupState(manager, range.endpointId, from);
  return result.length;
}

/**
 * Endpoints per transaction. Each holds its endpoint's advisory lock until COMMIT, and PostgreSQL
 * keeps all locks in one shared table (64 per connection by default): a batch touching 10,000
 * endpoints must not take 10,000 at once. Each endpoint's rollups stand alone, so smaller
 * transactions lose nothing; a failure part-way is retried by the job, and recomputing is
 * idempotent.
 */
const ENDPOINTS_PER_TRANSACTION = 50;

/** Recomputes every touched range of one tenant; returns the minutes written. */
export async function recomputeTouched(
  dataSource: DataSource,
  tenantId: string,
  ranges: TouchedRange[],
): Promise<number> {
  // Endpoint locks in one order, so two jobs touching the same endpoints cannot deadlock.
  const ordered = [...ranges].sort((a, b) => (a.endpointId < b.endpointId ? -1 : 1));
  const endpoints = [...new Set(ordered.map((r) => r.endpointId))];
  let minutes = 0;
  for (let i = 0; i < endpoints.length; i += ENDPOINTS_PER_TRANSACTION) {
    const chunk = new Set(endpoints.slice(i, i + ENDPOINTS_PER_TRANSACTION));
    minutes += await withTenant(dataSource, tenantId, async (manager) => {
      let written = 0;
      for (const range of ordered.filter((r) => chunk.has(r.endpointId)))
        written += await recomputeRollups(manager, tenantId, range);
      return written;
    });
  }
  return minutes;
}
