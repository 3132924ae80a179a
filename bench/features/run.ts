/**
 * Where to compute features: SQL window functions over the rollups (what Sentinel does,
 * src/ml/features.ts) against nodejs-polars rolling windows over the same rollups fetched from
 * PostgreSQL (bench/features/polars-features.ts), on `sentinel demo` data. Checks that both give
 * the same rows, then prints both times and the ratio, for training (the whole window) and for
 * scoring (the last minutes of every endpoint).
 *
 *   npm run build && node dist/bench/features/run.js [days=28]
 */
import 'reflect-metadata';
import type { EntityManager } from 'typeorm';
import { loadConfig } from '../../src/config/config';
import { createAppDataSource } from '../../src/db/data-source';
import type { Endpoint } from '../../src/entities/endpoint.entity';
import { seedDemoTenant } from '../../src/demo/seed-demo-tenant';
import { featureRows } from '../../src/ml/features';
import { withTenant } from '../../src/tenancy/with-tenant';
import { runBench } from '../lib/bench-env';
import { polarsFeatureRows, type RollupColumns } from './polars-features';

const DAYS = Number(process.argv[2] ?? 28);
const HORIZON = 15;

async function fetchRollups(
  manager: EntityManager,
  endpoint: Endpoint,
  from: Date,
  to: Date,
): Promise<RollupColumns> {
  const rows: Array<{
    minute: Date;
    n: number;
    e: number;
    s: number;
    b: number;
    fails: number;
    p50: number;
    p95: number;
    p99: number;
  }> = await manager.query(
    `select minute, sample_count as n, error_count as e, slow_count as s, bad_count as b,
            errors_timeout + errors_connection + errors_dns + errors_tls as fails, latency_p50 as p50, latency_p95 as p95, latency_p99 as p99
       from rollups_minute where endpoint_id = $1 and minute > $2::timestamptz - interval '1 day' and minute <= $3 order by minute`,
    [endpoint.id, from, new Date(to.getTime() + HORIZON * 60_000)],
  );
  const column = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key]);
  return {
    minute: column('minute'),
    n: column('n'),
    e: column('e'),
    s: column('s'),
    b: column('b'),
    fails: column('fails'),
    p50: column('p50'),
    p95: column('p95'),
    p99: column('p99'),
  };
}

async function time<T>(work: () => Promise<T> | T): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e6];
}

runBench(async (env) => {
  const dataSource = await createAppDataSource(env.appUrl, 2).initialize();
  const demo = await seedDemoTenant(dataSource, loadConfig(), 'bench-features', DAYS, 42);
  const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
  await withTenant(dataSource, demo.tenant.id, async (manager) => {
    for (const [label, from] of [
      [`training (${DAYS} days)`, new Date(to.getTime() - DAYS * 86_400_000)],
      ['scoring (last 15 minutes)', new Date(to.getTime() - 15 * 60_000)],
    ] as const) {
      let sqlMs = 0;
      let fetchMs = 0;
      let polarsMs = 0;
      let rows = 0;
      let maxDiff = 0;
      let flagMismatches = 0;
      for (const endpoint of demo.endpoints) {
        await featureRows(manager, endpoint, from, to, HORIZON); // warm the cache for both
        const [sql, s] = await time(() => featureRows(manager, endpoint, from, to, HORIZON));
        const [columns, f] = await time(() => fetchRollups(manager, endpoint, from, to));
        const [polars, p] = await time(() =>
          polarsFeatureRows(columns, endpoint, from, to, HORIZON),
        );
        sqlMs += s;
        fetchMs += f;
        polarsMs += p;
        rows += sql.length;
        if (polars.length !== sql.length)
          throw new Error(`row counts differ: SQL ${sql.length}, polars ${polars.length}`);
        sql.forEach((row, i) => {
          const other = polars[i]!;
          row.features.forEach(
            (v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - other.features[j]!))),
          );
          if (
            row.label !== other.label ||
            row.breached !== other.breached ||
            row.onset !== other.onset ||
            row.burnAlert !== other.burnAlert
          )
            flagMismatches++;
        });
      }
      const polarsTotal = fetchMs + polarsMs;
      console.log(
        `${label}: ${demo.endpoints.length} endpoints, ${rows.toLocaleString('en')} rows; same rows: max |feature difference| ${maxDiff.toExponential(1)}, ${flagMismatches} label/flag mismatches`,
      );
      console.log(`  SQL window functions: ${sqlMs.toFixed(0)} ms`);
      console.log(
        `  fetch rollups ${fetchMs.toFixed(0)} ms + nodejs-polars ${polarsMs.toFixed(0)} ms = ${polarsTotal.toFixed(0)} ms; SQL takes ${(sqlMs / polarsTotal).toFixed(2)}x the polars path`,
      );
    }
  });
  await dataSource.destroy();
});
