import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import type { Endpoint } from '../entities/endpoint.entity';
import type { Tenant } from '../entities/tenant.entity';
import { createEndpoint } from '../services/endpoints';
import { createTenant } from '../services/tenants';
import { bulkIngest } from '../telemetry/bulk-ingest';
import { recomputeTouched } from '../telemetry/rollups';
import { withTenant } from '../tenancy/with-tenant';
import { syntheticHistory } from './synthetic-history';

export const PROFILES = [
  { name: 'Checkout API', baseLatencyMs: 120 },
  { name: 'Search', baseLatencyMs: 60 },
  { name: 'Login', baseLatencyMs: 90 },
  { name: 'Static assets', baseLatencyMs: 25 },
];

export function demoEndpointName(profile: string): string {
  return `[synthetic] ${profile}`;
}

export interface DemoTenant {
  tenant: Tenant;
  adminKey: string;
  endpoints: Endpoint[];
  samples: number;
}

/** A demo tenant with four passive, labelled synthetic endpoints and `days` of rolled-up history. */
export async function seedDemoTenant(
  dataSource: DataSource,
  config: Config,
  slug: string,
  days: number,
  seed: number,
): Promise<DemoTenant> {
  const { tenant, adminKey } = await createTenant(dataSource, {
    slug,
    name: demoTenantName(slug),
  });
  const endpoints = await withTenant(dataSource, tenant.id, async (manager) => {
    const created: Endpoint[] = [];
    for (const profile of PROFILES) {
      created.push(
        await createEndpoint(manager, tenant.id, {
          name: demoEndpointName(profile.name),
          url: `https://${profile.name.toLowerCase().replace(/\s+/g, '-')}.demo.invalid/health`,
          method: 'GET',
          expectedStatusCodes: [200],
          // Passive: the history is generated, there is nothing to probe.
          probeEnabled: false,
          // Shown on the demo tenant's status page once it is published.
          public: true,
          probeIntervalSeconds: 60,
          timeoutMs: 5000,
          sla: {
            latencyThresholdMs: profile.baseLatencyMs * 5,
            latencyPercentile: 95,
            errorRateThreshold: 0.05,
            windowMinutes: 5,
            availabilityTarget: 0.99,
          },
        }),
      );
    }
    return created;
  });

  const to = new Date();
  const from = new Date(to.getTime() - days * 86_400_000);
  function* allRows(): Generator<string> {
    for (const [i, endpoint] of endpoints.entries()) {
      const profile = {
        endpointId: endpoint.id,
        baseLatencyMs: PROFILES[i]!.baseLatencyMs,
        timeoutMs: endpoint.timeoutMs,
      };
      for (const sample of syntheticHistory(profile, {
        from,
        to,
        samplesPerMinute: 2,
        seed: seed + i * 7919,
      })) {
        yield `${JSON.stringify(sample)}\n`;
      }
    }
  }
  const { outcome, touched } = await bulkIngest({
    dataSource,
    tenantId: tenant.id,
    batchId: `demo:${crypto.randomUUID()}`,
    body: Readable.from(allRows()),
    format: 'ndjson',
    maxBytes: Number.MAX_SAFE_INTEGER,
    ...config.telemetry,
  });
  await recomputeTouched(dataSource, tenant.id, touched);
  return { tenant, adminKey: adminKey.secret, endpoints, samples: outcome.accepted };
}

/** "Demo (synthetic data)", "Demo 2 (synthetic data)": the slug's "demo" is not said twice. */
export function demoTenantName(slug: string): string {
  const rest = slug.replace(/^demo-?/, '');
  return `Demo${rest ? ` ${rest}` : ''} (synthetic data)`;
}
