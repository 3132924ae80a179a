import assert from 'node:assert/strict';
import type Bull from 'bull';
import { describe, it } from 'node:test';
import { TENANT0_ID } from '../src/entities/tenant.entity';
import { openApiQueues } from '../src/jobs/api-queues';
import { createProbeProcessor, syncProbeSchedule } from '../src/jobs/probe-jobs';
import { ensureSelfMonitoring, SELF_ENDPOINTS } from '../src/telemetry/self-monitoring';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { CREATE_ENDPOINT, endpointInput } from './helpers/factories';
import { processorDeps } from './helpers/processor-deps';

describe('Tenant0 watches Sentinel', () => {
  const fx = useApiFixture();

  it('has its self-monitoring endpoints after the API starts', async () => {
    const rows = await withTenant(fx.db.dataSource, TENANT0_ID, (m) =>
      m.query('select id, probe_enabled from endpoints order by id'),
    );
    assert.deepEqual(
      rows,
      Object.values(SELF_ENDPOINTS).map((e) => ({ id: e.id, probe_enabled: e.probed })),
    );
  });

  it("publishes Sentinel's own checks at /status, as HTML without scripts, and nothing of other tenants", async () => {
    await fx.api.gql(
      CREATE_ENDPOINT,
      { input: endpointInput({ name: 'tenant-private-name' }) },
      fx.tenant.adminKey,
    );
    const response = await fetch(`${fx.api.url}/status`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const html = await response.text();
    for (const self of Object.values(SELF_ENDPOINTS))
      assert.ok(html.includes(self.name), self.name);
    assert.doesNotMatch(html, /<script|tenant-private-name/);
  });

  it("records the API's own request latencies as Tenant0 samples", async () => {
    for (let i = 0; i < 5; i++) await fx.api.gql('{ me { slug } }', {}, fx.tenant.adminKey);
    let samples: Array<{ status_code: number }> = [];
    for (let i = 0; i < 100 && samples.length < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      samples = await withTenant(fx.db.dataSource, TENANT0_ID, (m) =>
        m.query('select status_code from samples where endpoint_id = $1', [
          SELF_ENDPOINTS.requests.id,
        ]),
      );
    }
    assert.ok(
      samples.length >= 5 && samples.every((s) => s.status_code === 200),
      JSON.stringify(samples),
    );
  });

  it('probes Sentinel on loopback for Tenant0, and refuses the same address for any other tenant', async () => {
    const queues = openApiQueues(fx.db.redisUrl);
    const processor = createProbeProcessor([]);
    try {
      await ensureSelfMonitoring(fx.db.dataSource, fx.api.url, (endpoint) =>
        syncProbeSchedule(queues.probes, endpoint),
      );
      const deps = processorDeps(fx, queues, { ...fx.api.config, publicUrl: fx.api.url });
      const job = (endpointId: string, tenantId = TENANT0_ID) =>
        ({ id: `t-${endpointId}`, data: { tenantId, endpointId } }) as unknown as Bull.Job;

      const health = (await processor.process(job(SELF_ENDPOINTS.health.id), deps)) as {
        statusCode: number;
        errorKind: null;
      };
      assert.deepEqual([health.statusCode, health.errorKind], [200, null]);
      const graphql = (await processor.process(job(SELF_ENDPOINTS.graphql.id), deps)) as {
        statusCode: number;
      };
      assert.equal(graphql.statusCode, 200);
      const status = (await processor.process(job(SELF_ENDPOINTS.status.id), deps)) as {
        statusCode: number;
      };
      assert.equal(status.statusCode, 200);

      const created = await fx.api.gql<{ createEndpoint: { id: string } }>(
        CREATE_ENDPOINT,
        { input: endpointInput({ url: `${fx.api.url}/healthz` }) },
        fx.tenant.adminKey,
      );
      const foreign = (await processor.process(
        job(created.data!.createEndpoint.id, fx.tenant.id),
        deps,
      )) as { refused?: string };
      assert.match(foreign.refused ?? '', /loopback/);
    } finally {
      await processor.close?.();
      await queues.close();
    }
  });
});
