import type Bull from 'bull';
import type { TouchedRange } from '../telemetry/batches';
import { recomputeTouched } from '../telemetry/rollups';
import { defineJob, enqueue, type TenantScoped } from './job-definition';
import type { ProcessorRegistration } from './processor';
import { recordTenantFailure } from './tenant-failures';

export const ROLLUP_QUEUE = 'rollups';

export interface RollupJob extends TenantScoped {
  ranges: Array<{ endpointId: string; from: string; to: string }>;
}

export const ROLLUP_JOB = defineJob<RollupJob>({
  queue: ROLLUP_QUEUE,
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
});

/** Call after the ingesting transaction committed, so the job never reads rows that vanished. */
export async function enqueueRollups(
  queue: Bull.Queue<RollupJob>,
  tenantId: string,
  ranges: TouchedRange[],
): Promise<void> {
  if (ranges.length === 0) return;
  await enqueue(queue, ROLLUP_JOB, {
    tenantId,
    ranges: ranges.map((r) => ({
      endpointId: r.endpointId,
      from: r.from.toISOString(),
      to: r.to.toISOString(),
    })),
  });
}

/** Recomputes the touched minutes from raw samples; safe to run twice or out of order. */
export const rollupProcessor: ProcessorRegistration = {
  queue: ROLLUP_QUEUE,
  concurrency: 2,
  process: async (job: Bull.Job<RollupJob>, { dataSource, logger }) => {
    const { tenantId, ranges } = job.data;
    const touched = ranges.map((r) => ({
      endpointId: r.endpointId,
      from: new Date(r.from),
      to: new Date(r.to),
    }));
    try {
      return { minutes: await recomputeTouched(dataSource, tenantId, touched) };
    } catch (err) {
      // One job per tenant and batch: a failing tenant's job is retried with backoff on its own
      // while other tenants' jobs run; this makes the failure visible where it happens.
      recordTenantFailure(logger, 'rollups', tenantId, err);
      throw err;
    }
  },
};
