import type { DataSource } from 'typeorm';
import { Endpoint } from '../entities/endpoint.entity';
import { TENANT0_ID } from '../entities/tenant.entity';
import { withTenant } from '../tenancy/with-tenant';

/** Tenant0's endpoints that watch Sentinel itself; fixed ids so every start finds the same rows. */
export const SELF_ENDPOINTS = {
  health: {
    id: '00000000-0000-4000-8000-00000000a001',
    name: 'Sentinel /healthz',
    path: '/healthz',
    probed: true,
  },
  graphql: {
    id: '00000000-0000-4000-8000-00000000a002',
    name: 'Sentinel GraphQL round trip',
    path: '/healthz/graphql',
    probed: true,
  },
  requests: {
    id: '00000000-0000-4000-8000-00000000a003',
    name: 'Sentinel API requests (passive)',
    path: '/graphql',
    probed: false,
  },
  status: {
    id: '00000000-0000-4000-8000-00000000a004',
    name: 'Sentinel status page',
    path: '/status',
    probed: true,
  },
} as const;

/**
 * Creates (or points at `publicUrl`) Tenant0's self-monitoring endpoints and hands each to
 * `scheduleProbes` (the caller owns the queues). Idempotent; run at API start-up. The `requests`
 * endpoint is passive: the API records its own request latencies there (src/http/request-samples.ts).
 */
export async function ensureSelfMonitoring(
  dataSource: DataSource,
  publicUrl: string,
  scheduleProbes: (endpoint: Endpoint) => Promise<void>,
): Promise<void> {
  const endpoints = await withTenant(dataSource, TENANT0_ID, async (manager) => {
    for (const self of Object.values(SELF_ENDPOINTS)) {
      await manager.query(
        `insert into endpoints (tenant_id, id, name, url, method, expected_status_codes, probe_enabled, probe_interval_seconds,
           timeout_ms, latency_threshold_ms, latency_percentile, error_rate_threshold, window_minutes, availability_target, public)
         values ($1, $2, $3, $4, 'GET', '{200}', $5, 60, 5000, 500, 95, 0.05, 5, 0.999, true)
         on conflict (tenant_id, id) do update set url = excluded.url`,
        [TENANT0_ID, self.id, self.name, publicUrl + self.path, self.probed],
      );
    }
    return manager.findBy(
      Endpoint,
      Object.values(SELF_ENDPOINTS).map((self) => ({ id: self.id })),
    );
  });
  for (const endpoint of endpoints) await scheduleProbes(endpoint);
}
