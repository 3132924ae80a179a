/**
 * Where the newest feature row of an endpoint comes from. Baseline: the batch window query over a
 * day of rollups (src/ml/features.ts, what training and `forecast` use over ranges, and what
 * scoring used before). Measured: the incremental state kept on the rollup rows
 * (src/ml/latest-features.ts, what scoring uses now), for all endpoints in one statement. On
 * `sentinel demo` data; checks that both give the same features and flags for every endpoint at
 * each of the last minutes, then prints both times and the ratio. Also times the batch query
 * over the whole window (a training run's features).
 *
 *   npm run build && node dist/bench/features/run.js [days=28] [minutes compared=60]
 */
import 'reflect-metadata';
import { loadConfig } from '../../src/config/config';
import { createAppDataSource } from '../../src/db/data-source';
import { seedDemoTenant } from '../../src/demo/seed-demo-tenant';
import { FEATURE_NAMES, featureRows, type FeatureRow } from '../../src/ml/features';
import { latestFeatureRows } from '../../src/ml/latest-features';
import { withTenant } from '../../src/tenancy/with-tenant';
import { runBench } from '../lib/bench-env';

const DAYS = Number(process.argv[2] ?? 28);
const MINUTES = Number(process.argv[3] ?? 60);
const HORIZON = 15;

async function time<T>(work: () => Promise<T> | T): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e6];
}

runBench(async (env) => {
  const dataSource = await createAppDataSource(env.appUrl, 2).initialize();
  const demo = await seedDemoTenant(dataSource, loadConfig(), 'bench-features', DAYS, 42);
  const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
  const ids = demo.endpoints.map((e) => e.id);
  await withTenant(dataSource, demo.tenant.id, async (manager) => {
    const from = new Date(to.getTime() - DAYS * 86_400_000);
    let trainingMs = 0;
    let trainingRows = 0;
    for (const endpoint of demo.endpoints) {
      const [rows, ms] = await time(() => featureRows(manager, endpoint, from, to, HORIZON));
      trainingMs += ms;
      trainingRows += rows.length;
    }
    console.log(
      `training (${DAYS} days): ${demo.endpoints.length} endpoints, ${trainingRows.toLocaleString('en')} rows in ${trainingMs.toFixed(0)} ms (SQL window functions)`,
    );

    // Scoring: the newest row of every endpoint at each of the last MINUTES minutes.
    let batchMs = 0;
    let incrementalMs = 0;
    let compared = 0;
    let maxDiff = 0;
    let flagMismatches = 0;
    for (let k = MINUTES - 1; k >= 0; k--) {
      const minute = new Date(to.getTime() - k * 60_000);
      const batch = new Map<string, FeatureRow>();
      for (const endpoint of demo.endpoints) {
        const start = new Date(minute.getTime() - 15 * 60_000);
        const [rows, ms] = await time(() => featureRows(manager, endpoint, start, minute, HORIZON));
        batchMs += ms;
        const last = rows.at(-1);
        if (last) batch.set(endpoint.id, last);
      }
      const [latest, ms] = await time(() => latestFeatureRows(manager, ids, minute, 15));
      incrementalMs += ms;
      for (const [id, row] of batch) {
        const other = latest.get(id);
        if (!other || other.minute.getTime() !== row.minute.getTime()) {
          flagMismatches++;
          continue;
        }
        compared++;
        FEATURE_NAMES.forEach(
          (_, j) => (maxDiff = Math.max(maxDiff, Math.abs(row.features[j]! - other.features[j]!))),
        );
        if (
          row.breached !== other.breached ||
          row.onset !== other.onset ||
          row.inEpisode !== other.inEpisode ||
          row.burnAlert !== other.burnAlert ||
          row.insufficient !== other.insufficient
        )
          flagMismatches++;
      }
    }
    console.log(
      `scoring (last ${MINUTES} minutes): ${demo.endpoints.length} endpoints, ${compared.toLocaleString('en')} rows; same rows: max |feature difference| ${maxDiff.toExponential(1)}, ${flagMismatches} label/flag mismatches`,
    );
    console.log(`  SQL window functions over a day, per endpoint: ${batchMs.toFixed(0)} ms`);
    console.log(
      `  incremental state, all endpoints per statement: ${incrementalMs.toFixed(0)} ms; ${(incrementalMs / batchMs).toFixed(3)}x the window functions`,
    );
  });
  await dataSource.destroy();
});
