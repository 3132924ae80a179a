/**
 * Tenant metrics: what one Prometheus scrape of GET /metrics/tenant costs for a tenant with N
 * endpoints. The scrape runs through a real `sentinel api` over HTTP with a read key; the
 * baseline in the same run is the per-endpoint way (slaSummary, what slaStatus does) over a
 * sample of the endpoints, scaled to N.
 *
 *   npm run build && node dist/bench/metrics/run.js [endpoints=10000] [minutes of rollups=1440] [sample=200]
 */
import 'reflect-metadata';
import { createAppDataSource } from '../../src/db/data-source';
import { Endpoint } from '../../src/entities/endpoint.entity';
import { createApiKey } from '../../src/services/api-keys';
import { createTenant } from '../../src/services/tenants';
import { slaSummary } from '../../src/telemetry/sla';
import { withTenant } from '../../src/tenancy/with-tenant';
import { ownerSql, runBench } from '../lib/bench-env';

const ENDPOINTS = Number(process.argv[2] ?? 10_000);
const MINUTES = Number(process.argv[3] ?? 1440);
const SAMPLE = Number(process.argv[4] ?? 200);

runBench(async (env) => {
  const dataSource = await createAppDataSource(env.appUrl, 4).initialize();
  const { tenant } = await createTenant(dataSource, { slug: 'bench-metrics', name: 'bench' });
  const key = await withTenant(dataSource, tenant.id, (m) =>
    createApiKey(m, tenant.id, { name: 'prometheus', scope: 'read' }),
  );
  await ownerSql(
    env.ownerUrl,
    `insert into endpoints (tenant_id, name, url, method, expected_status_codes, probe_interval_seconds, timeout_ms, latency_threshold_ms,
                            latency_percentile, error_rate_threshold, window_minutes, availability_target, probe_enabled)
     select $1, 'endpoint "' || i || '"', 'https://e' || i || '.example.com/health', 'GET', '{200}', 60, 5000, 300, 95, 0.05, 5, 0.999, false
       from generate_series(1, $2) i`,
    [tenant.id, ENDPOINTS],
  );
  await ownerSql(
    env.ownerUrl,
    `insert into rollups_minute (tenant_id, endpoint_id, minute, sample_count, error_count, errors_timeout, errors_connection, errors_tls,
                                 errors_dns, errors_unexpected_status, slow_count, bad_count, latency_p50, latency_p95, latency_p99, latency_max)
     select e.tenant_id, e.id, m, 2, (random() < 0.01)::int, 0, 0, 0, 0, 0, (random() < 0.02)::int, 0, 100, 200, 250, 400
       from endpoints e, generate_series(date_trunc('minute', now()) - make_interval(mins => $2), date_trunc('minute', now()) - interval '1 minute', interval '1 minute') m
      where e.tenant_id = $1`,
    [tenant.id, MINUTES],
  );
  // The rollup job writes rows with their running totals; these were loaded directly, so the
  // totals are computed here, once, outside the timed scrapes.
  await Promise.all(
    ['<', '>='].map((op) =>
      ownerSql(
        env.ownerUrl,
        `select refresh_rollup_state(id, '-infinity') from endpoints where tenant_id = $1 and id::text ${op} '8'`,
        [tenant.id],
      ),
    ),
  );
  await ownerSql(env.ownerUrl, 'analyze');
  // Every scrape computes: the answer cache would otherwise time only the first one.
  env.childEnv.TENANT_METRICS_CACHE_SECONDS = '0';
  const { match } = await env.startChild('api', /listening on http:\/\/localhost:(\d+)/);
  const url = `http://127.0.0.1:${match[1]}/metrics/tenant`;

  const scrape = async (): Promise<{ seconds: number; bytes: number; series: number }> => {
    const started = process.hrtime.bigint();
    const response = await fetch(url, { headers: { authorization: `Bearer ${key.secret}` } });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`scrape answered ${response.status}: ${body}`);
    return {
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      bytes: body.length,
      series: body.split('\n').filter((l) => l.startsWith('sentinel_')).length,
    };
  };
  const first = await scrape();
  const runs = [await scrape(), await scrape(), await scrape()];
  const steady = runs.map((r) => r.seconds).sort((a, b) => a - b)[1]!;

  // Baseline: slaSummary per endpoint, on a sample, scaled to every endpoint.
  const sample = await withTenant(dataSource, tenant.id, (m) =>
    m.find(Endpoint, { take: SAMPLE, order: { createdAt: 'ASC' } }),
  );
  const started = process.hrtime.bigint();
  await withTenant(dataSource, tenant.id, async (m) => {
    for (const endpoint of sample) await slaSummary(m, endpoint);
  });
  const perEndpoint = Number(process.hrtime.bigint() - started) / 1e9 / sample.length;

  console.log(
    `Tenant metrics: ${ENDPOINTS.toLocaleString('en')} endpoints, ${MINUTES} minutes of rollups each, one scrape over HTTP with a read key`,
  );
  console.log(
    `  first scrape (the first after the API started): ${first.seconds.toFixed(2)} s, ${first.series.toLocaleString('en')} series, ${(first.bytes / 1048576).toFixed(1)} MiB`,
  );
  console.log(
    `  steady scrape (median of 3): ${steady.toFixed(2)} s (runs ${runs.map((r) => r.seconds.toFixed(2)).join(', ')})`,
  );
  console.log(
    `  baseline, slaSummary per endpoint (${sample.length} sampled): ${(perEndpoint * 1000).toFixed(1)} ms each = ${(perEndpoint * ENDPOINTS).toFixed(1)} s for all; the scrape takes ${(steady / (perEndpoint * ENDPOINTS)).toFixed(3)}x that`,
  );
  await dataSource.destroy();
});
