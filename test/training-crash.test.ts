import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { logger } from '../src/config/logger';
import { seedDemoTenant } from '../src/demo/seed-demo-tenant';
import { startWorker } from '../src/processes/worker';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { until } from './helpers/poll';

const SENTINEL = path.resolve(__dirname, '../../bin/sentinel.js');
const LOCK_MS = 2000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A training job as its tenant reads it through the API. */
interface JobView {
  state: string;
  attempt: number;
  reason: string | null;
  modelId: string | null;
  progress: { epoch: number | null; reason: string | null };
}

async function readJob(
  fx: ReturnType<typeof useApiFixture>,
  id: string,
  key: string,
): Promise<JobView> {
  return (
    await fx.api.gql<{ trainingJob: JobView }>(
      `query($id: ID!) { trainingJob(id: $id) { state attempt reason modelId progress { epoch reason } } }`,
      { id },
      key,
    )
  ).data!.trainingJob;
}

describe('a worker that dies or stops in the middle of training', () => {
  const fx = useApiFixture();

  it('leaves the job to be retried and completed by another worker, with one model and one active', async () => {
    const demo = await seedDemoTenant(
      fx.db.dataSource,
      fx.api.config,
      `crash-${Date.now()}`,
      6,
      13,
    );
    // The first worker is a real `sentinel worker` process, so it can be killed for real.
    const doomed = spawn(process.execPath, [SENTINEL, 'worker'], {
      env: {
        ...process.env,
        DATABASE_URL: fx.db.ownerUrl,
        APP_DATABASE_URL: fx.db.appUrl,
        REDIS_URL: fx.db.redisUrl,
        SENTINEL_JOB_LOCK_MS: String(LOCK_MS),
      },
      stdio: 'ignore',
    });
    let rescuer: { stop: () => Promise<void> } | undefined;
    try {
      const train = await fx.api.gql<{ trainModel: { id: string } }>(
        `mutation { trainModel(input: { epochs: 200, seed: 9 }) { id } }`,
        {},
        demo.adminKey,
      );
      const jobId = train.data!.trainModel.id;
      const job = () => readJob(fx, jobId, demo.adminKey);
      await until(async () => {
        const j = await job();
        return j.state === 'RUNNING' && (j.progress.epoch ?? 0) >= 1;
      }, 'the first epoch');

      const [trainer] = execFileSync('pgrep', ['-P', String(doomed.pid)])
        .toString()
        .trim()
        .split('\n')
        .map(Number);
      assert.ok(trainer && alive(trainer), 'the worker trains in a child process');
      doomed.kill('SIGKILL');
      await until(() => !alive(trainer), 'the orphaned training process to exit', 10_000);

      rescuer = await startWorker(
        { ...fx.api.config, jobs: { ...fx.api.config.jobs, lockMs: LOCK_MS } },
        { appDatabaseUrl: fx.db.appUrl, redisUrl: fx.db.redisUrl },
        logger,
      );
      const final = await until(async () => {
        const j = await job();
        return ['COMPLETED', 'FAILED'].includes(j.state) ? j : null;
      }, 'the job to finish');
      // One stall is within maxStalledCount (1): Bull hands the job back, the rescuer's run is
      // attempt 2 and completes it. FAILED would mean the stall was counted as a final failure.
      assert.deepEqual([final.state, final.attempt, final.reason], ['COMPLETED', 2, null]);
      assert.ok(final.modelId);
      const models = await ownerQuery<{ id: string; status: string }>(
        fx.db.ownerUrl,
        `select id, status from models where training_job_id = $1`,
        [jobId],
      );
      // The tenant's first model (ACTIVE or CANDIDATE, as the promotion gate decided); none from
      // the killed attempt, and never two active.
      assert.deepEqual(
        models.map((m) => m.id),
        [final.modelId],
      );
      const active = await ownerQuery(
        fx.db.ownerUrl,
        `select id from models where tenant_id = $1 and status = 'ACTIVE'`,
        [demo.tenant.id],
      );
      assert.deepEqual(active, models[0]!.status === 'ACTIVE' ? [{ id: final.modelId }] : []);
    } finally {
      if (doomed.exitCode === null && doomed.signalCode === null) doomed.kill('SIGKILL');
      await rescuer?.stop();
    }
  });

  it('puts the job back in the queue when its worker is stopped, and the next worker completes it', async () => {
    const demo = await seedDemoTenant(fx.db.dataSource, fx.api.config, `stop-${Date.now()}`, 6, 17);
    const urls = { appDatabaseUrl: fx.db.appUrl, redisUrl: fx.db.redisUrl };
    const config = { ...fx.api.config, jobs: { ...fx.api.config.jobs, lockMs: LOCK_MS } };
    const first = await startWorker(config, urls, logger);
    const train = await fx.api.gql<{ trainModel: { id: string } }>(
      `mutation { trainModel(input: { epochs: 200, seed: 4 }) { id } }`,
      {},
      demo.adminKey,
    );
    const jobId = train.data!.trainModel.id;
    const job = () => readJob(fx, jobId, demo.adminKey);
    await until(async () => (await job()).progress.epoch !== null, 'the first epoch');
    await first.stop();
    const stopped = await job();
    assert.deepEqual(
      [stopped.state, stopped.progress.reason],
      ['QUEUED', 'worker stopped; queued again'],
    );
    const next = await startWorker(config, urls, logger);
    try {
      const final = await until(async () => {
        const j = await job();
        return ['COMPLETED', 'FAILED'].includes(j.state) ? j : null;
      }, 'the job to finish');
      assert.deepEqual([final.state, final.attempt], ['COMPLETED', 2]);
    } finally {
      await next.stop();
    }
  });

  it('stops a run past TRAINING_TIMEOUT_MS: FAILED with the reason, and the queue goes on to the next job', async () => {
    const demo = await seedDemoTenant(fx.db.dataSource, fx.api.config, `slow-${Date.now()}`, 6, 19);
    const urls = { appDatabaseUrl: fx.db.appUrl, redisUrl: fx.db.redisUrl };
    // 200 epochs take far longer than 3 s: every run here runs out of time.
    const config = { ...fx.api.config, jobs: { ...fx.api.config.jobs, trainingTimeoutMs: 3000 } };
    const worker = await startWorker(config, urls, logger);
    try {
      const finished = async (seed: number) => {
        const train = await fx.api.gql<{ trainModel: { id: string } }>(
          `mutation($seed: Int!) { trainModel(input: { epochs: 200, seed: $seed }) { id } }`,
          { seed },
          demo.adminKey,
        );
        assert.equal(train.errors, undefined, JSON.stringify(train.errors));
        const id = train.data!.trainModel.id;
        return until(async () => {
          const job = await readJob(fx, id, demo.adminKey);
          return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(job.state) ? job : null;
        }, `training job ${id} to finish`);
      };
      const first = await finished(1);
      assert.deepEqual(
        [first.state, first.attempt, first.modelId],
        ['FAILED', 1, null],
        'stopped once, not retried, no model',
      );
      assert.match(first.reason ?? '', /longer than TRAINING_TIMEOUT_MS \(3000 ms\)/);
      // The worker's training queue was not left holding the stopped run.
      const second = await finished(2);
      assert.equal(second.state, 'FAILED');
      const models = await ownerQuery(
        fx.db.ownerUrl,
        'select id from models where tenant_id = $1',
        [demo.tenant.id],
      );
      assert.deepEqual(models, []);
    } finally {
      await worker.stop();
    }
  });
});
