import assert from 'node:assert/strict';
import type Bull from 'bull';
import { after, describe, it } from 'node:test';
import { defineJob, enqueue, finalFailure, type FinalFailure } from '../src/jobs/job-definition';
import { openQueue } from '../src/jobs/queues';
import './helpers/database';

const REDIS_URL = process.env.SENTINEL_TEST_REDIS_URL!;

/** The worker's 'failed' listener, reduced to what it decides. */
function decisions(queue: Bull.Queue): Array<Promise<FinalFailure | null>> {
  const seen: Array<Promise<FinalFailure | null>> = [];
  queue.on('failed', (job, err) => seen.push(finalFailure(job, err)));
  return seen;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(check(), 'in time');
}

describe('job definitions and final failures (Bull on Redis)', () => {
  const queues: Bull.Queue[] = [];
  const open = (name: string, settings?: Bull.AdvancedSettings) => {
    const queue = openQueue<{ n: number }>(name, REDIS_URL, settings);
    queues.push(queue);
    return queue;
  };
  after(async () => {
    await Promise.all(queues.map((q) => q.close()));
  });

  it("enqueues with the definition's options, into its own queue only", async () => {
    const definition = defineJob<{ n: number }>({
      queue: 'def-options',
      attempts: 3,
      backoff: { type: 'fixed', delay: 10 },
      keep: { completed: 5, failed: 7 },
    });
    const job = await enqueue(open('def-options'), definition, { n: 1 }, { jobId: 'j1' });
    assert.deepEqual(
      [
        job.id,
        job.opts.attempts,
        job.opts.backoff,
        job.opts.removeOnComplete,
        job.opts.removeOnFail,
      ],
      ['j1', 3, { type: 'fixed', delay: 10 }, 5, 7],
    );
    await assert.rejects(
      enqueue(open('def-other'), definition, { n: 2 }),
      /a def-options job cannot go into the def-other queue/,
    );
  });

  it('is not final while tries remain, final (not stalled) once they are used up', async () => {
    const queue = open('def-retry');
    const definition = defineJob<{ n: number }>({ queue: 'def-retry', attempts: 2 });
    const seen = decisions(queue);
    void queue.process(async () => {
      throw new Error('boom');
    });
    await enqueue(queue, definition, { n: 1 });
    await until(() => seen.length === 2);
    const [first, second] = await Promise.all(seen);
    assert.equal(first, null, 'the first failure is retried');
    assert.equal(second!.stalled, false);
    assert.equal(second!.error.message, 'boom');
  });

  it('is final and stalled when a job whose worker died stalls more often than allowed', async () => {
    const settings = { lockDuration: 300, stalledInterval: 300, maxStalledCount: 0 };
    const definition = defineJob<{ n: number }>({ queue: 'def-stall', attempts: 2 });
    // A "worker" takes the job and dies: its lock is never renewed.
    const dead = open('def-stall', settings);
    await enqueue(dead, definition, { n: 1 });
    const taken = await dead.getNextJob();
    assert.ok(taken, 'taken into active');
    const rescuer = open('def-stall', settings);
    const seen = decisions(rescuer);
    void rescuer.process(async () => ({ done: true }));
    await until(() => seen.length === 1);
    const [failure] = await Promise.all(seen);
    assert.equal(failure!.stalled, true, 'tries were left: it failed by stalling');
  });
});
