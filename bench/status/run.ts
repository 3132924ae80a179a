/**
 * Status page rendering: a tenant with 50 public endpoints and 90 days of per-minute rollups.
 * The rows get their running totals at set-up, as the rollup job gives them when it writes them.
 * Measures the page's very first computation, a computation as after a restart (since migration
 * 0015 the same work: each day is a difference of running totals, nothing is kept; the line's
 * wording is the historical one, kept for those who parse it), and GET /status/<slug> through a
 * real API, which serves the computed page from its cache and renders the HTML on every request.
 * Ratios are against the very first computation.
 *
 *   npm run build && node dist/bench/status/run.js [endpoints=50] [days=90]
 */
import 'reflect-metadata';
import { loadConfig } from '../../src/config/config';
import { logger } from '../../src/config/logger';
import { createAppDataSource } from '../../src/db/data-source';
import { startApi } from '../../src/processes/api';
import { createTenant } from '../../src/services/tenants';
import { forgetStatusPages, statusPageData } from '../../src/status/status-data';
import { ownerSql, runBench } from '../lib/bench-env';

const ENDPOINTS = Number(process.argv[2] ?? 50);
const DAYS = Number(process.argv[3] ?? 90);
const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

runBench(async (env) => {
  const dataSource = await createAppDataSource(env.appUrl, 4).initialize();
  const { tenant } = await createTenant(dataSource, { slug: 'bench-status', name: 'Bench status' });
  await ownerSql(env.ownerUrl, 'update tenants set status_page_published = true where id = $1', [
    tenant.id,
  ]);
  await ownerSql(
    env.ownerUrl,
    `insert into endpoints (tenant_id, name, url, method, expected_status_codes, probe_interval_seconds, timeout_ms, latency_threshold_ms,
                            latency_percentile, error_rate_threshold, window_minutes, availability_target, probe_enabled, public)
     select $1, 'endpoint ' || lpad(i::text, 3, '0'), 'https://e' || i || '.example.com/health', 'GET', '{200}', 60, 5000, 300, 95, 0.05, 5, 0.999, false, true
       from generate_series(1, $2) i`,
    [tenant.id, ENDPOINTS],
  );
  const started = Date.now();
  await ownerSql(
    env.ownerUrl,
    `insert into rollups_minute (tenant_id, endpoint_id, minute, sample_count, error_count, errors_timeout, errors_connection, errors_tls,
                                 errors_dns, errors_unexpected_status, slow_count, bad_count, latency_p50, latency_p95, latency_p99, latency_max)
     select e.tenant_id, e.id, m, 2, (random() < 0.005)::int, 0, 0, 0, 0, 0, (random() < 0.01)::int, 0, 80, 150 + random() * 100, 250, 400
       from endpoints e, generate_series(date_trunc('minute', now()) - make_interval(days => $2), date_trunc('minute', now()) - interval '1 minute', interval '1 minute') m
      where e.tenant_id = $1`,
    [tenant.id, DAYS],
  );
  // The rollup job keeps each row's running totals as it writes it; rows loaded here get them now.
  await ownerSql(
    env.ownerUrl,
    `select refresh_rollup_state(id, '-infinity') from endpoints where tenant_id = $1`,
    [tenant.id],
  );
  await ownerSql(env.ownerUrl, 'analyze rollups_minute');
  console.log(
    `Status page: ${ENDPOINTS} public endpoints x ${DAYS} days of rollups (set up in ${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );

  const time = async () => {
    const t = process.hrtime.bigint();
    await statusPageData(dataSource, 'bench-status', { maxAgeMs: 60_000 });
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const cold = await time();
  forgetStatusPages();
  const restarted = await time();
  const api = await startApi(
    { ...loadConfig(), port: 0, logLevel: 'warn' },
    { appDatabaseUrl: env.appUrl, redisUrl: env.services.redisUrl },
    logger,
  );
  const pageTimes: number[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint();
      const response = await fetch(`${api.url}/status/bench-status`);
      bytes = (await response.text()).length;
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      pageTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } finally {
    await api.stop();
  }
  const page = median(pageTimes);
  console.log(`  very first computation (all 90 days from the rollups): ${cold.toFixed(0)} ms`);
  console.log(
    `  after a restart (settled days kept): ${restarted.toFixed(0)} ms, ${(restarted / cold).toFixed(3)}x`,
  );
  console.log(
    `  GET /status/<slug> (page cached, HTML rendered): median ${page.toFixed(1)} ms over ${RUNS} (${(bytes / 1024).toFixed(0)} KiB); ${(page / cold).toFixed(4)}x the very first computation`,
  );
  await dataSource.destroy();
});
