/**
 * Forecast quality on `sentinel demo` data: the MLP's alert against the Google SRE Workbook
 * multi-window multi-burn-rate alert, on the same held-out minutes (the latest 15% of the history).
 *
 *   npm run build && node dist/bench/quality/run.js [days=28] [tenants=2]
 */
import 'reflect-metadata';
import { loadConfig } from '../../src/config/config';
import { logger } from '../../src/config/logger';
import { createAppDataSource } from '../../src/db/data-source';
import { seedDemoTenant } from '../../src/demo/seed-demo-tenant';
import type { AlertMetrics } from '../../src/ml/alert-metrics';
import { loadTf } from '../../src/ml/backend';
import { DEFAULT_MLP } from '../../src/ml/mlp';
import { trainAndEvaluate, type EndpointRows } from '../../src/ml/pipeline';
import { tenantFeatureRows } from '../../src/training/feature-data';
import { runBench } from '../lib/bench-env';

const DAYS = Number(process.argv[2] ?? 28);
const TENANTS = Number(process.argv[3] ?? 2);
const HORIZON = 15;

function row(name: string, m: AlertMetrics): string {
  const f = (v: number | null, digits = 3) => (v === null ? 'n/a' : v.toFixed(digits));
  return `  ${name.padEnd(22)} recall ${f(m.eventRecall)}  precision ${f(m.precision)}  median lead ${f(m.medianLeadMinutes, 1)} min  false alerts/endpoint-day ${f(m.falseAlertsPerEndpointDay, 2)}  (${m.onsets} onsets, ${m.alerts} alerts)`;
}

runBench(async (env) => {
  const dataSource = await createAppDataSource(env.appUrl, 2).initialize();
  const data: EndpointRows[] = [];
  const to = new Date();
  for (let i = 0; i < TENANTS; i++) {
    const demo = await seedDemoTenant(
      dataSource,
      loadConfig(),
      `quality-${i}`,
      DAYS,
      42 + i * 104_729,
    );
    data.push(
      ...(await tenantFeatureRows(
        dataSource,
        demo.tenant.id,
        new Date(to.getTime() - DAYS * 86_400_000),
        to,
        HORIZON,
      )),
    );
  }
  await dataSource.destroy();
  const { tf, backend } = await loadTf(logger);
  const started = Date.now();
  const outcome = await trainAndEvaluate(tf, data, HORIZON, DEFAULT_MLP);
  const { model, burnRate } = outcome.evaluation;
  console.log(
    `Forecast quality on ${TENANTS} synthetic demo tenants x ${DAYS} days (${data.length} endpoints), horizon ${HORIZON} min, backend ${backend}`,
  );
  console.log(
    `  trained ${outcome.epochs} epochs in ${((Date.now() - started) / 1000).toFixed(1)} s; threshold ${outcome.threshold.toFixed(3)} (chosen on validation); PR-AUC ${model.prAuc?.toFixed(3)}`,
  );
  console.log(
    `  held-out: ${outcome.evaluation.testFrom.toISOString()} .. ${outcome.evaluation.testTo.toISOString()}`,
  );
  console.log(row('MLP', model));
  console.log(row('burn-rate (14.4x/6x)', burnRate));
});
