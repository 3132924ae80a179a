import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { logger } from '../src/config/logger';
import { openQueue } from '../src/jobs/queues';
import { PROBE_QUEUE, syncProbeSchedule, type ProbeJob } from '../src/jobs/probe-jobs';
import { startWorker } from '../src/processes/worker';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { CREATE_ENDPOINT, endpointInput } from './helpers/factories';

describe('probe schedules', () => {
  const fx = useApiFixture();
  let server: http.Server;
  let hits = 0;
  let url: string;

  before(async () => {
    server = http.createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.3', resolve));
    url = `http://127.0.0.3:${(server.address() as AddressInfo).port}/health`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const repeatableIds = async (): Promise<Array<string | null | undefined>> => {
    const queue = openQueue<ProbeJob>(PROBE_QUEUE, fx.db.redisUrl);
    try {
      return (await queue.getRepeatableJobs()).map((r) => r.id);
    } finally {
      await queue.close();
    }
  };

  it('follows the endpoint: created schedules, archived unschedules', async () => {
    const created = await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput({ url }) },
      fx.tenant.adminKey,
    );
    const id = created.data!.createEndpoint.id;
    assert.ok((await repeatableIds()).includes(id));
    await fx.api.gql(
      'mutation($id: ID!) { updateEndpoint(id: $id, input: { probeIntervalSeconds: 120 }) { id } }',
      { id },
      fx.tenant.adminKey,
    );
    assert.equal(
      (await repeatableIds()).filter((r) => r === id).length,
      1,
      'an interval change replaces the schedule',
    );
    await fx.api.gql(
      'mutation($id: ID!) { archiveEndpoint(id: $id) { id } }',
      { id },
      fx.tenant.adminKey,
    );
    assert.ok(!(await repeatableIds()).includes(id));
  });

  it('with two workers, probes each tick once and stores it as a sample', async () => {
    const created = await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput({ url }) },
      fx.tenant.adminKey,
    );
    const id = created.data!.createEndpoint.id;
    const urls = { appDatabaseUrl: fx.db.appUrl, redisUrl: fx.db.redisUrl };
    // The probe target is private: the operator's allow-list (PROBE_ALLOW_NETWORKS) admits it.
    const config = { ...fx.api.config, probeAllowNetworks: ['127.0.0.3/32'] };
    const workers = await Promise.all([
      startWorker(config, urls, logger),
      startWorker(config, urls, logger),
    ]);
    const queue = openQueue<ProbeJob>(PROBE_QUEUE, fx.db.redisUrl);
    try {
      // Faster than the API allows (30 s), so the test sees several ticks.
      await syncProbeSchedule(queue, {
        tenantId: fx.tenant.id,
        id,
        probeEnabled: true,
        probeIntervalSeconds: 0.5,
        archivedAt: null,
      });
      hits = 0;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await syncProbeSchedule(queue, {
        tenantId: fx.tenant.id,
        id,
        probeEnabled: true,
        probeIntervalSeconds: 0.5,
        archivedAt: new Date(),
      });
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await queue.close();
    }
    const samples = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      m.query('select status_code, error_kind from samples where endpoint_id = $1', [id]),
    );
    assert.ok(hits >= 3 && hits <= 7, `about one probe per 0.5 s tick over 3 s, got ${hits}`);
    assert.equal(samples.length, hits, 'one sample per probe');
    assert.ok(
      samples.every(
        (s: { status_code: number; error_kind: null }) =>
          s.status_code === 200 && s.error_kind === null,
      ),
    );
  });
});
