import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Bull from 'bull';
import { EnqueueInTransactionError, enqueue } from '../src/jobs/job-definition';
import { openQueue } from '../src/jobs/queues';
import { ROLLUP_JOB, ROLLUP_QUEUE, type RollupJob } from '../src/jobs/rollup-jobs';
import { HttpMethod } from '../src/schema/enums';
import {
  archiveEndpointAndUnschedule,
  createEndpoint,
  createEndpointAndSchedule,
  updateEndpointAndSchedule,
  type EndpointJobs,
  type NewEndpoint,
} from '../src/services/endpoints';
import { insideTenantTransaction, withTenant } from '../src/tenancy/with-tenant';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { makeTenant, type TestTenant } from './helpers/factories';

const ENDPOINT: NewEndpoint = {
  name: 'after commit',
  url: 'https://after-commit.example',
  method: HttpMethod.GET,
  expectedStatusCodes: [200],
  probeEnabled: true,
  public: false,
  probeIntervalSeconds: 60,
  timeoutMs: 1000,
  sla: {
    latencyThresholdMs: 200,
    latencyPercentile: 95,
    errorRateThreshold: 0.05,
    windowMinutes: 5,
    availabilityTarget: 0.99,
  },
};

describe('jobs are queued only after COMMIT', () => {
  let db: TestDatabase;
  let tenant: TestTenant;
  let queue: Bull.Queue<RollupJob>;

  before(async () => {
    db = await createTestDatabase();
    tenant = await makeTenant(db.dataSource);
    queue = openQueue<RollupJob>(ROLLUP_QUEUE, db.redisUrl);
    await queue.empty();
  });
  after(async () => {
    await queue.close();
    await db.drop();
  });

  const job = (): RollupJob => ({ tenantId: tenant.id, ranges: [] });

  it('enqueue refuses inside withTenant, and the transaction rolls back', async () => {
    await assert.rejects(
      withTenant(db.dataSource, tenant.id, async (m) => {
        await createEndpoint(m, tenant.id, { ...ENDPOINT, name: 'rolled back' });
        await enqueue(queue, ROLLUP_JOB, job());
      }),
      EnqueueInTransactionError,
    );
    assert.equal(await queue.count(), 0, 'nothing was queued');
    const rows: unknown[] = await withTenant(db.dataSource, tenant.id, (m) =>
      m.query(`select 1 from endpoints where name = 'rolled back'`),
    );
    assert.equal(rows.length, 0, 'the write before the refused enqueue was rolled back');
  });

  it('enqueue works once withTenant has returned', async () => {
    await withTenant(db.dataSource, tenant.id, async () => undefined);
    assert.equal(insideTenantTransaction(), false);
    await enqueue(queue, ROLLUP_JOB, job());
    assert.equal(await queue.count(), 1);
    await queue.empty();
  });

  it("the endpoint domain's jobs run after its transaction, never inside", async () => {
    const calls: Array<{ job: string; inside: boolean }> = [];
    const jobs: EndpointJobs = {
      syncProbeSchedule: async () => {
        calls.push({ job: 'probes', inside: insideTenantTransaction() });
      },
      recomputeRollups: async () => {
        calls.push({ job: 'rollups', inside: insideTenantTransaction() });
      },
    };
    const deps = { dataSource: db.dataSource, jobs, retentionDays: 30 };
    const created = await createEndpointAndSchedule(deps, tenant.id, ENDPOINT);
    await updateEndpointAndSchedule(deps, tenant.id, created.id, {
      sla: { latencyThresholdMs: 250 },
    });
    await archiveEndpointAndUnschedule(deps, tenant.id, created.id);
    assert.deepEqual(calls, [
      { job: 'probes', inside: false },
      { job: 'probes', inside: false },
      { job: 'rollups', inside: false },
      { job: 'probes', inside: false },
    ]);
  });
});
