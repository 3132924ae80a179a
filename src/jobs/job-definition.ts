import type Bull from 'bull';
import { insideTenantTransaction } from '../tenancy/with-tenant';

/** Every job that touches a tenant's rows names the tenant: its processor opens that RLS context. */
export interface TenantScoped {
  tenantId: string;
}

/** Platform-wide periodic work (maintenance, scoring rounds, retraining) carries nothing. */
export type PlatformJob = Record<string, never>;

/**
 * One kind of job: its queue, what it carries, and how Bull treats it. Enqueued only through
 * `enqueue`, so retries, backoff and retention are decided here once rather than at each call.
 */
export interface JobDefinition<P extends object> {
  queue: string;
  /** Tries in all (1: never retried). */
  attempts: number;
  backoff?: Bull.BackoffOptions;
  /** Finished jobs Bull keeps for inspection (true: none, a number: the latest n). */
  keep?: { completed: boolean | number; failed: boolean | number };
  /** Marks the payload type; never set. */
  readonly payload?: P;
}

export function defineJob<P extends object>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

/** enqueue() was called inside withTenant's work, before the COMMIT of what the job reads. */
export class EnqueueInTransactionError extends Error {
  constructor(queue: string) {
    super(`a ${queue} job may only be queued after its transaction committed (not in withTenant)`);
    this.name = 'EnqueueInTransactionError';
  }
}

/**
 * Adds a job of `definition` to its queue. Only after the transaction that wrote what the job
 * reads has committed, so a job never sees rows that were rolled back: inside withTenant's work it
 * throws EnqueueInTransactionError (checked, not just documented). `extra` carries what differs per call: a job id (idempotency), a repeat schedule, a priority.
 */
export async function enqueue<P extends object>(
  queue: Bull.Queue<P>,
  definition: JobDefinition<P>,
  payload: P,
  extra: Pick<Bull.JobOptions, 'jobId' | 'repeat' | 'priority'> = {},
): Promise<Bull.Job<P>> {
  if (insideTenantTransaction()) throw new EnqueueInTransactionError(definition.queue);
  if (queue.name !== definition.queue)
    throw new Error(`a ${definition.queue} job cannot go into the ${queue.name} queue`);
  return queue.add(payload, {
    attempts: definition.attempts,
    ...(definition.backoff ? { backoff: definition.backoff } : {}),
    ...(definition.keep
      ? { removeOnComplete: definition.keep.completed, removeOnFail: definition.keep.failed }
      : {}),
    ...extra,
  });
}

/** Why a job failed for good. */
export interface FinalFailure {
  error: Error;
  /** Its worker stopped answering too often (Bull gave up on it without using up its tries). */
  stalled: boolean;
}

/**
 * Null while Bull will still retry the job; else how it ended. Decided from the job's state, not
 * from the error's text: a job that failed for good sits in the failed set, and one that ran out
 * of stalls did so with tries left.
 */
export async function finalFailure(job: Bull.Job, error: Error): Promise<FinalFailure | null> {
  const attempts = job.opts.attempts ?? 1;
  if (job.attemptsMade >= attempts) return { error, stalled: false };
  return (await job.isFailed()) ? { error, stalled: true } : null;
}
