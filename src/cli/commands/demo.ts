import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../config/config';
import { syntheticHistory } from '../../demo/synthetic-history';
import { Endpoint } from '../../entities/endpoint.entity';
import { createEndpoint } from '../../services/endpoints';
import { createTenant, tenantIdBySlug } from '../../services/tenants';
import { bulkIngest } from '../../telemetry/bulk-ingest';
import { recomputeTouched } from '../../telemetry/rollups';
import { slaSummary } from '../../telemetry/sla';
import { withTenant } from '../../tenancy/with-tenant';
import { HttpMethod } from '../../schema/enums';
import { withAppDataSource } from '../with-services';

const PROFILES = [
  { name: 'Checkout API', baseLatencyMs: 120 },
  { name: 'Search', baseLatencyMs: 60 },
  { name: 'Login', baseLatencyMs: 90 },
  { name: 'Static assets', baseLatencyMs: 25 },
];

/** Creates one demo tenant with synthetic endpoints and `days` of history; returns its admin key. */
async function seedTenant(dataSource: DataSource, slug: string, days: number, seed: number): Promise<string> {
  const config = loadConfig();
  const { tenant, adminKey } = await createTenant(dataSource, { slug, name: `Demo ${slug} (synthetic data)` });
  const endpoints = await withTenant(dataSource, tenant.id, async (manager) => {
    const created: Endpoint[] = [];
    for (const profile of PROFILES) {
      created.push(await createEndpoint(manager, tenant.id, {
        name: `[synthetic] ${profile.name}`,
        url: `https://${profile.name.toLowerCase().replace(/\s+/g, '-')}.demo.invalid/health`,
        method: HttpMethod.GET,
        expectedStatusCodes: [200],
        // Passive: the history is generated, there is nothing to probe.
        probeEnabled: false,
        probeIntervalSeconds: 60,
        timeoutMs: 5000,
        sla: { latencyThresholdMs: profile.baseLatencyMs * 5, latencyPercentile: 95, errorRateThreshold: 0.05, windowMinutes: 5, availabilityTarget: 0.99 },
      }));
    }
    return created;
  });

  const to = new Date();
  const from = new Date(to.getTime() - days * 86_400_000);
  function* allRows(): Generator<string> {
    for (const [i, endpoint] of endpoints.entries()) {
      const profile = { endpointId: endpoint.id, baseLatencyMs: PROFILES[i]!.baseLatencyMs, timeoutMs: endpoint.timeoutMs };
      for (const sample of syntheticHistory(profile, { from, to, samplesPerMinute: 2, seed: seed + i * 7919 })) {
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

  console.log(`\n${tenant.name}: ${outcome.accepted.toLocaleString('en')} synthetic samples over ${days} days`);
  await withTenant(dataSource, tenant.id, async (manager) => {
    for (const endpoint of endpoints) {
      const sla = await slaSummary(manager, endpoint);
      const pct = (value: number | null) => (value === null ? '   n/a' : `${(value * 100).toFixed(2)}%`);
      console.log(`  ${endpoint.name.padEnd(30)} availability ${pct(sla.availability)}  latency ok ${pct(sla.latencyCompliance)}  budget left ${pct(sla.errorBudgetRemaining)}  ${endpoint.id}`);
    }
  });
  return adminKey.secret;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('create demo tenants with synthetic (clearly labelled) endpoints and weeks of history')
    .option('--tenants <n>', 'how many demo tenants', '1')
    .option('--days <n>', 'days of history', '28')
    .option('--seed <n>', 'random seed (same seed, same history)', '42')
    .action(async (options: { tenants: string; days: string; seed: string }) => {
      const days = Number(options.days);
      const retention = loadConfig().telemetry.retentionDays;
      if (!Number.isInteger(days) || days < 1 || days >= retention) throw new Error(`--days must be between 1 and ${retention - 1}`);
      await withAppDataSource(async (dataSource) => {
        for (let i = 0; i < Number(options.tenants); i++) {
          const slug = i === 0 ? 'demo' : `demo-${i + 1}`;
          if (await tenantIdBySlug(dataSource, slug)) {
            console.log(`tenant ${slug} exists already; skipped`);
            continue;
          }
          const key = await seedTenant(dataSource, slug, days, Number(options.seed) + i * 104_729);
          console.log(`  admin key for ${slug}:\n${key}`);
        }
      });
    });
}
