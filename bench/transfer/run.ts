/**
 * Transfer: a tenant with only a few days of history, forecast by the global model (trained on
 * other tenants' data, as the aggregate gives it) against its own model trained on those few
 * days, both judged on the same later minutes of that tenant, beside the burn-rate alert.
 *
 *   npm run build && node dist/bench/transfer/run.js [others=3] [days=28] [newcomerDays=3]
 */
import 'reflect-metadata';
import { loadConfig } from '../../src/config/config';
import { logger } from '../../src/config/logger';
import { createAppDataSource } from '../../src/db/data-source';
import { seedDemoTenant } from '../../src/demo/seed-demo-tenant';
import type { AlertMetrics } from '../../src/ml/alert-metrics';
import { loadTf } from '../../src/ml/backend';
import { DEFAULT_MLP } from '../../src/ml/mlp';
import {
  evaluateBurnRate,
  evaluateModel,
  trainAndEvaluate,
  type EndpointRows,
} from '../../src/ml/pipeline';
import { tenantFeatureRows } from '../../src/training/feature-data';
import { runBench } from '../lib/bench-env';

const OTHERS = Number(process.argv[2] ?? 3);
const DAYS = Number(process.argv[3] ?? 28);
const NEWCOMER_DAYS = Number(process.argv[4] ?? 3);
const HORIZON = 15;

function row(name: string, m: AlertMetrics): string {
  const f = (v: number | null, digits = 3) => (v === null ? 'n/a' : v.toFixed(digits));
  return `  ${name.padEnd(34)} recall ${f(m.eventRecall)}  precision ${f(m.precision)}  median lead ${f(m.medianLeadMinutes, 1)} min  false/endpoint-day ${f(m.falseAlertsPerEndpointDay, 2)}  (${m.onsets} onsets, ${m.alerts} alerts)`;
}

runBench(async (env) => {
  const dataSource = await createAppDataSource(env.appUrl, 2).initialize();
  const to = new Date();
  const from = new Date(to.getTime() - DAYS * 86_400_000);
  const others: EndpointRows[] = [];
  for (let i = 0; i < OTHERS; i++) {
    const demo = await seedDemoTenant(
      dataSource,
      loadConfig(),
      `transfer-${i}`,
      DAYS,
      1000 + i * 7919,
    );
    others.push(...(await tenantFeatureRows(dataSource, demo.tenant.id, from, to, HORIZON)));
  }
  const newcomer = await seedDemoTenant(dataSource, loadConfig(), 'transfer-newcomer', DAYS, 5);
  const all = await tenantFeatureRows(dataSource, newcomer.tenant.id, from, to, HORIZON);
  await dataSource.destroy();
  // The newcomer's first days train its own model; everything after is where both are judged.
  const cut = from.getTime() + NEWCOMER_DAYS * 86_400_000;
  const early = all.map((d) => ({
    endpointId: d.endpointId,
    rows: d.rows.filter((r) => r.minute.getTime() <= cut),
  }));
  const later = all.map((d) => ({
    endpointId: d.endpointId,
    rows: d.rows.filter((r) => r.minute.getTime() > cut),
  }));

  const { tf, backend } = await loadTf(logger);
  const global = await trainAndEvaluate(tf, others, HORIZON, DEFAULT_MLP);
  const own = await trainAndEvaluate(tf, early, HORIZON, DEFAULT_MLP).catch((err: Error) => err);
  console.log(
    `Transfer (${backend}): global model on ${OTHERS} other demo tenants x ${DAYS} days; newcomer's own model on its first ${NEWCOMER_DAYS} days; both judged on its later ${DAYS - NEWCOMER_DAYS} days`,
  );
  console.log(row('global model', evaluateModel(tf, global, later, HORIZON)));
  if (own instanceof Error)
    console.log(`  newcomer's own model: could not be trained (${own.message})`);
  else
    console.log(
      row(`newcomer's own model (${NEWCOMER_DAYS} days)`, evaluateModel(tf, own, later, HORIZON)),
    );
  console.log(row('burn-rate 14.4x/6x', evaluateBurnRate(later, HORIZON)));
});
