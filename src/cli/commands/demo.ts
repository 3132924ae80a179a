import type { Command } from 'commander';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../config/config';
import { runLiveDemo } from '../../demo/live-demo';
import { seedDemoTenant } from '../../demo/seed-demo-tenant';
import { tenantIdBySlug } from '../../services/tenants';
import { slaSummary } from '../../telemetry/sla';
import { withTenant } from '../../tenancy/with-tenant';
import { withAppDataSource } from '../with-services';

async function seedAndReport(
  dataSource: DataSource,
  slug: string,
  days: number,
  seed: number,
): Promise<string> {
  const demo = await seedDemoTenant(dataSource, loadConfig(), slug, days, seed);
  console.log(
    `\n${demo.tenant.name}: ${demo.samples.toLocaleString('en')} synthetic samples over ${days} days`,
  );
  await withTenant(dataSource, demo.tenant.id, async (manager) => {
    for (const endpoint of demo.endpoints) {
      const sla = await slaSummary(manager, endpoint);
      const pct = (value: number | null) =>
        value === null ? '   n/a' : `${(value * 100).toFixed(2)}%`;
      console.log(
        `  ${endpoint.name.padEnd(30)} availability ${pct(sla.availability)}  latency ok ${pct(sla.latencyCompliance)}  budget left ${pct(sla.errorBudgetRemaining)}  ${endpoint.id}`,
      );
    }
  });
  return demo.adminKey;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'create demo tenants with synthetic (clearly labelled) endpoints and weeks of history',
    )
    .option('--tenants <n>', 'how many demo tenants', '1')
    .option('--days <n>', 'days of history', '28')
    .option('--seed <n>', 'random seed (same seed, same history)', '42')
    .option(
      '--live',
      'then keep adding synthetic samples every minute (until Ctrl-C), so risk keeps updating',
    )
    .action(async (options: { tenants: string; days: string; seed: string; live?: boolean }) => {
      const days = Number(options.days);
      const retention = loadConfig().telemetry.retentionDays;
      if (!Number.isInteger(days) || days < 1 || days >= retention)
        throw new Error(`--days must be between 1 and ${retention - 1}`);
      await withAppDataSource(async (dataSource) => {
        const live: Array<{ tenantId: string; seed: number }> = [];
        for (let i = 0; i < Number(options.tenants); i++) {
          const slug = i === 0 ? 'demo' : `demo-${i + 1}`;
          const seed = Number(options.seed) + i * 104_729;
          const existing = await tenantIdBySlug(dataSource, slug);
          if (existing) {
            console.log(`tenant ${slug} exists already; not seeded again`);
            live.push({ tenantId: existing, seed });
            continue;
          }
          const key = await seedAndReport(dataSource, slug, days, seed);
          console.log(`  admin key for ${slug}:\n${key}`);
          live.push({ tenantId: (await tenantIdBySlug(dataSource, slug))!, seed });
        }
        if (!options.live) return;
        console.log('\nlive: adding synthetic samples every minute; Ctrl-C to stop');
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        const stored = await Promise.all(
          live.map((t) => runLiveDemo(dataSource, loadConfig(), t.tenantId, t.seed, stop.signal)),
        );
        console.log(
          `live: stored ${stored.reduce((a, b) => a + b, 0).toLocaleString('en')} samples`,
        );
      });
    });
}
