import assert from 'node:assert/strict';
import type Bull from 'bull';
import { describe, it } from 'node:test';
import { tenantTaskFailures } from '../src/http/metrics';
import { openApiQueues } from '../src/jobs/api-queues';
import { rollupProcessor, type RollupJob } from '../src/jobs/rollup-jobs';
import { recordTenantFailure } from '../src/jobs/tenant-failures';
import { logger } from '../src/config/logger';
import { refreshAllContributions } from '../src/training/global-aggregate';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { CREATE_ENDPOINT, endpointInput, makeTenant, type TestTenant } from './helpers/factories';
import { processorDeps } from './helpers/processor-deps';

const failures = async (task: string) =>
  (await tenantTaskFailures.get()).values.find((v) => v.labels.task === task)?.value ?? 0;

/** Issue 10, High 2: one tenant's absurd data or failing work must not stop the others. */
describe('a poisoned tenant', () => {
  const fx = useApiFixture();

  async function endpointOf(tenant: TestTenant): Promise<string> {
    const res = await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput() },
      tenant.adminKey,
    );
    return res.data!.createEndpoint.id;
  }

  /** An hour of plain rollups, written as the owner (derived data; no ingestion needed). */
  async function rollupsFor(tenantId: string, endpointId: string): Promise<void> {
    await ownerQuery(
      fx.db.ownerUrl,
      `insert into rollups_minute (tenant_id, endpoint_id, minute, sample_count, error_count, errors_timeout,
         errors_connection, errors_tls, errors_dns, errors_unexpected_status, slow_count, bad_count,
         latency_p50, latency_p95, latency_p99, latency_max)
       select $1, $2, date_trunc('minute', now()) - make_interval(mins => g), 10, 0, 0, 0, 0, 0, 0, 0, 0, 50, 80, 90, 95
         from generate_series(1, 60) g`,
      [tenantId, endpointId],
    );
  }

  it('cannot store a latency beyond the documented range, through any path', async () => {
    const endpointId = await endpointOf(fx.tenant);
    const res = await fx.api.gql<{ ingestSamples: { accepted: number; rejections: unknown[] } }>(
      `mutation($input: IngestSamplesInput!) { ingestSamples(input: $input) {
         accepted rejections { index field reason } } }`,
      {
        input: {
          batchId: 'poison',
          samples: [{ endpointId, observedAt: new Date().toISOString(), latencyMs: 1e200 }],
        },
      },
      fx.tenant.adminKey,
    );
    assert.equal(res.data?.ingestSamples.accepted, 0);
    assert.equal((res.data?.ingestSamples.rejections[0] as { field: string }).field, 'latencyMs');
    // The database refuses it too, whatever code path a future change adds.
    await assert.rejects(
      withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
        m.query(
          `insert into samples (tenant_id, endpoint_id, observed_at, latency_ms) values ($1, $2, now(), 1e200)`,
          [fx.tenant.id, endpointId],
        ),
      ),
      (err: { code?: string; driverError?: { code?: string } }) =>
        (err.driverError?.code ?? err.code) === '23514',
    );
  });

  it('is skipped by the aggregate refresh, logged and counted, while the others contribute', async () => {
    const tenants = [
      await makeTenant(fx.db.dataSource),
      await makeTenant(fx.db.dataSource),
      await makeTenant(fx.db.dataSource),
    ];
    for (const tenant of tenants) await rollupsFor(tenant.id, await endpointOf(tenant));
    const poisoned = tenants[1]!;
    // Whatever makes one tenant's refresh fail (here: a trigger that refuses its rows).
    await ownerQuery(
      fx.db.ownerUrl,
      `create function refuse_poisoned() returns trigger language plpgsql as $$
         begin raise exception 'poisoned contribution'; end $$;
       create trigger refuse_poisoned before insert on global_feature_rows for each row
         when (new.contributor = '${poisoned.id}') execute function refuse_poisoned()`,
    );
    const before = await failures('aggregate-refresh');
    const seen: string[] = [];
    const result = await refreshAllContributions(
      fx.db.dataSource,
      { minTenants: 3, maxRowsPerTenant: 1000, maxShare: 1, minRowsPerTenant: 1000 },
      (tenantId, err) => {
        seen.push(tenantId);
        recordTenantFailure(logger, 'aggregate-refresh', tenantId, err);
      },
    );
    assert.deepEqual(result.failed, [poisoned.id]);
    assert.deepEqual(seen, [poisoned.id]);
    assert.equal(await failures('aggregate-refresh'), before + 1);
    const rows = await ownerQuery<{ contributor: string }>(
      fx.db.ownerUrl,
      'select distinct contributor::text from global_feature_rows',
    );
    const contributors = rows.map((r) => r.contributor).sort();
    assert.ok(contributors.includes(tenants[0]!.id) && contributors.includes(tenants[2]!.id));
    assert.ok(!contributors.includes(poisoned.id));
    await ownerQuery(fx.db.ownerUrl, 'drop trigger refuse_poisoned on global_feature_rows');
  });

  it('fails only its own rollup job, counted, while another tenant’s job completes', async () => {
    const good = await makeTenant(fx.db.dataSource);
    const bad = await makeTenant(fx.db.dataSource);
    const goodEndpoint = await endpointOf(good);
    const badEndpoint = await endpointOf(bad);
    await ownerQuery(
      fx.db.ownerUrl,
      `create function refuse_rollup() returns trigger language plpgsql as $$
         begin raise exception 'poisoned rollup'; end $$;
       create trigger refuse_rollup before insert on rollups_minute for each row
         when (new.tenant_id = '${bad.id}') execute function refuse_rollup()`,
    );
    await ownerQuery(
      fx.db.ownerUrl,
      'select ensure_sample_partitions(current_date - 1, current_date)',
    );
    for (const [tenant, endpointId] of [
      [good, goodEndpoint],
      [bad, badEndpoint],
    ] as const) {
      await ownerQuery(
        fx.db.ownerUrl,
        `insert into samples (tenant_id, endpoint_id, observed_at, latency_ms) values ($1, $2, now() - interval '1 minute', 10)`,
        [tenant.id, endpointId],
      );
    }
    const range = (endpointId: string) => ({
      endpointId,
      from: new Date(Date.now() - 120_000).toISOString(),
      to: new Date().toISOString(),
    });
    const queues = openApiQueues(fx.db.redisUrl);
    try {
      const deps = processorDeps(fx, queues);
      const before = await failures('rollups');
      const job = (data: RollupJob) => ({ data }) as Bull.Job<RollupJob>;
      const [goodResult, badResult] = await Promise.allSettled([
        rollupProcessor.process(job({ tenantId: good.id, ranges: [range(goodEndpoint)] }), deps),
        rollupProcessor.process(job({ tenantId: bad.id, ranges: [range(badEndpoint)] }), deps),
      ]);
      assert.equal(goodResult.status, 'fulfilled');
      assert.equal(badResult.status, 'rejected');
      assert.equal(await failures('rollups'), before + 1);
    } finally {
      await queues.close();
      await ownerQuery(fx.db.ownerUrl, 'drop trigger refuse_rollup on rollups_minute');
    }
  });
});
