import type Bull from 'bull';
import { GLOBAL_SCOPE_ID, TENANT0_ID } from '../entities/tenant.entity';
import { AppError } from '../errors/app-errors';
import { TERMINAL_STATES, type TrainingRequest } from '../training/training-events';
import { requestTraining } from '../training/training-jobs';
import { withTenant } from '../tenancy/with-tenant';
import { defineJob, type PlatformJob } from './job-definition';
import type { ProcessorRegistration } from './processor';

export const RETRAINING_QUEUE = 'retraining';

export const RETRAINING_JOB = defineJob<PlatformJob>({
  queue: RETRAINING_QUEUE,
  attempts: 1,
  keep: { completed: 10, failed: 10 },
});

const SCHEDULED: Array<{ scopeId: string; scope: TrainingRequest['scope'] }> = [
  { scopeId: GLOBAL_SCOPE_ID, scope: 'GLOBAL' },
  // Tenant0 is the Apex Sandbox: its model retrains on schedule, with its feature flags on.
  { scopeId: TENANT0_ID, scope: 'TENANT' },
];

/** Tenant retrainings queued per scheduled run at most: the rest wait for the next run. */
export const TENANTS_PER_RUN = 10;

/**
 * On schedule (RETRAIN_INTERVAL_MS, daily): queue a training run of the global model, of
 * Tenant0's model, and of every tenant due (`tenants_due_for_retraining`: auto_retrain on, its
 * period elapsed, a day of new data; the longest-waiting first, TENANTS_PER_RUN per run), each
 * through the same path as trainModel (so the same progress stream, registry and promotion
 * gate), unless one of that scope is still queued or running. A scope without enough data is
 * skipped with its reason.
 */
export const retrainingProcessor: ProcessorRegistration = {
  queue: RETRAINING_QUEUE,
  concurrency: 1,
  process: async (_job: Bull.Job, { dataSource, queues, logger }) => {
    const queued: string[] = [];
    const due: Array<{ id: string }> = await dataSource.query(
      'select tenants_due_for_retraining($1) as id',
      [TENANTS_PER_RUN],
    );
    const scheduled = [
      ...SCHEDULED,
      ...due.map(({ id }) => ({ scopeId: id, scope: 'TENANT' as const })),
    ];
    for (const { scopeId, scope } of scheduled) {
      const busy = await withTenant(dataSource, scopeId, (m) =>
        m.query(`select 1 from training_jobs where state <> all($1) limit 1`, [TERMINAL_STATES]),
      );
      if (busy.length > 0) continue;
      const request: TrainingRequest = {
        scope,
        horizonMinutes: 15,
        epochs: 40,
        windowDays: 28,
        endpointIds: null,
        seed: null,
        autoPromote: true,
      };
      try {
        queued.push((await requestTraining(dataSource, queues.training, scopeId, request)).id);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        logger.info({ scopeId, reason: err.message }, 'scheduled retraining skipped');
      }
    }
    return { queued };
  },
};
