import crypto from 'node:crypto';
import type Bull from 'bull';
import type { DataSource, EntityManager } from 'typeorm';
import { activeEndpoints } from '../db/endpoint-queries';
import { changedRows, selectOne } from '../db/query';
import type { Endpoint } from '../entities/endpoint.entity';
import { TrainingJob } from '../entities/training-job.entity';
import {
  BadInputError,
  ConflictError,
  NotFoundError,
  RateLimitedError,
} from '../errors/app-errors';
import type { Channels } from '../realtime/channels';
import { isUuid } from '../services/ids';
import { getEndpoint } from '../services/endpoints';
import { defineJob, enqueue, type TenantScoped } from '../jobs/job-definition';
import { withTenant } from '../tenancy/with-tenant';
import {
  cancelChannel,
  TERMINAL_STATES,
  trainingChannel,
  type TrainingEvent,
  type TrainingRequest,
  type TrainingState,
} from './training-events';
import { assertValidTrainingRequest } from './training-request';

export const TRAINING_QUEUE = 'training';

export interface TrainingQueueJob extends TenantScoped {
  jobId: string;
}

/** A crashed run is tried once more; the job row, not Bull, is the record of it. */
export const TRAINING_JOB = defineJob<TrainingQueueJob>({
  queue: TRAINING_QUEUE,
  attempts: 2,
  backoff: { type: 'fixed', delay: 1000 },
  keep: { completed: 100, failed: 100 },
});

/** Less than two days of per-minute rollups cannot fill a train / validation / test split. */
export const MIN_TRAINING_MINUTES = 2 * 1440;

/** The columns a transition may set besides state, seq and the event. */
interface Transition {
  /** A worker starts (or restarts) the job: attempt + 1. */
  nextAttempt?: boolean;
  modelId?: string;
  reason?: string;
  started?: boolean;
}

/** A job after a transition: the event to publish, and what the worker needs of the row. */
export interface Advanced {
  event: TrainingEvent;
  request: TrainingRequest;
  cancelRequested: boolean;
}

/**
 * Moves a job to `state` if it is now in one of `from`, appending the event: `seq` + 1 and the
 * given fields merged over the last event. Returns the event (with the request and the cancel
 * flag, so the worker reads the row no second time), or null when the guard failed (cancelled
 * meanwhile, already finished). The caller publishes the event after its transaction commits.
 */
export async function advanceJob(
  manager: EntityManager,
  jobId: string,
  from: readonly TrainingState[],
  state: TrainingState,
  fields: Partial<TrainingEvent> = {},
  transition: Transition = {},
): Promise<Advanced | null> {
  const rows = await changedRows<{
    last_event: TrainingEvent;
    request: TrainingRequest;
    cancel_requested: boolean;
  }>(
    manager,
    `update training_jobs
        set seq = seq + 1,
            state = $3,
            attempt = attempt + case when $4 then 1 else 0 end,
            model_id = coalesce($5, model_id),
            reason = coalesce($6, reason),
            started_at = case when $7 then now() else started_at end,
            finished_at = case when $3 = any($8) then now() end,
            last_event = last_event || $9::jsonb || jsonb_build_object(
              'seq', seq + 1, 'state', $3::text, 'at', now(), 'attempt', attempt + case when $4 then 1 else 0 end),
            -- The history, without the evaluation (the last event and the model keep it).
            events = events || jsonb_build_array((last_event || $9::jsonb || jsonb_build_object(
              'seq', seq + 1, 'state', $3::text, 'at', now(), 'attempt', attempt + case when $4 then 1 else 0 end)) - 'evaluation')
      where id = $1 and state = any($2)
      returning last_event, request, cancel_requested`,
    [
      jobId,
      from,
      state,
      transition.nextAttempt ?? false,
      transition.modelId ?? null,
      transition.reason ?? null,
      transition.started ?? false,
      TERMINAL_STATES,
      JSON.stringify(fields),
    ],
  );
  const row = rows[0];
  return row
    ? { event: row.last_event, request: row.request, cancelRequested: row.cancel_requested }
    : null;
}

/** One transition of a job, as advanceAndPublish takes it. */
export interface TransitionRequest {
  dataSource: DataSource;
  channels: Channels;
  tenantId: string;
  jobId: string;
  /** The states the job may be in now; in any other, nothing changes. */
  from: readonly TrainingState[];
  to: TrainingState;
  fields?: Partial<TrainingEvent>;
  transition?: Transition;
}

/** advanceJob in its own tenant transaction, then published. */
export async function advanceAndPublish(request: TransitionRequest): Promise<Advanced | null> {
  const { dataSource, channels, tenantId, jobId, from, to, fields, transition } = request;
  const advanced = await withTenant(dataSource, tenantId, (manager) =>
    advanceJob(manager, jobId, from, to, fields, transition),
  );
  if (advanced) await channels.publish(trainingChannel(jobId), advanced.event);
  return advanced;
}

export async function getTrainingJob(manager: EntityManager, jobId: string): Promise<TrainingJob> {
  const job = isUuid(jobId) ? await manager.findOneBy(TrainingJob, { id: jobId }) : null;
  if (!job) throw new NotFoundError('Training job', jobId);
  return job;
}

/** One job of the scope, in a transaction of its own (NOT_FOUND for another scope's job). */
export function readTrainingJob(
  dataSource: DataSource,
  scopeId: string,
  jobId: string,
): Promise<TrainingJob> {
  return withTenant(dataSource, scopeId, (manager) => getTrainingJob(manager, jobId));
}

async function assertEnoughTelemetry(
  manager: EntityManager,
  request: TrainingRequest,
): Promise<void> {
  const { minutes } = await selectOne<{ minutes: number }>(
    manager,
    `select count(*)::int as minutes from rollups_minute r join endpoints e on e.tenant_id = r.tenant_id and e.id = r.endpoint_id
      where e.archived_at is null and r.minute > now() - make_interval(days => $1) and ($2::uuid[] is null or r.endpoint_id = any($2))`,
    [request.windowDays, request.endpointIds],
  );
  if (minutes < MIN_TRAINING_MINUTES) {
    throw new BadInputError(
      [
        {
          field: 'windowDays',
          message: `${minutes} endpoint-minutes of telemetry in the last ${request.windowDays} days; training needs at least ${MIN_TRAINING_MINUTES}`,
        },
      ],
      'NOT_ENOUGH_DATA',
    );
  }
}

/** Training jobs one tenant may have waiting at once (MAX_QUEUED_TRAINING_PER_TENANT). */
export const DEFAULT_MAX_QUEUED_PER_TENANT = 3;

/**
 * The tenant's jobs already waiting, refusing a new one beyond `maxQueued` (429 RATE_LIMITED).
 * Serialised per tenant by a transaction lock, so concurrent requests cannot all slip under it.
 */
async function reserveQueueSlot(
  manager: EntityManager,
  tenantId: string,
  maxQueued: number,
): Promise<number> {
  await manager.query(`select pg_advisory_xact_lock(hashtext('training-queue:' || $1))`, [
    tenantId,
  ]);
  const [{ n }] = (await manager.query(
    `select count(*)::int as n from training_jobs where state = 'QUEUED'`,
  )) as [{ n: number }];
  if (n >= maxQueued)
    throw new RateLimitedError(
      `${n} training jobs of this tenant are already waiting (at most ${maxQueued}); retry when one has started.`,
      30,
      { reason: 'TRAINING_QUEUE_FULL' },
    );
  return n;
}

/**
 * Validates a training request against the tenant's data, records the job (QUEUED, seq 1) and
 * enqueues it. Nothing is queued when the request is refused.
 */
export async function requestTraining(
  dataSource: DataSource,
  queue: Bull.Queue<TrainingQueueJob>,
  tenantId: string,
  request: TrainingRequest,
  maxQueued = DEFAULT_MAX_QUEUED_PER_TENANT,
): Promise<TrainingJob> {
  assertValidTrainingRequest(request);
  const id = crypto.randomUUID();
  let waiting = 0;
  const job = await withTenant(dataSource, tenantId, async (manager) => {
    waiting = await reserveQueueSlot(manager, tenantId, maxQueued);
    // The global model's data is the aggregate, which only the platform role can read: the job
    // itself finds out (and fails with the reason) if there is too little of it.
    if (request.scope === 'TENANT') {
      for (const endpointId of request.endpointIds ?? []) {
        const endpoint = await getEndpoint(manager, endpointId);
        if (endpoint.archivedAt)
          throw new BadInputError([
            { field: 'endpointIds', message: `endpoint ${endpointId} is archived` },
          ]);
      }
      await assertEnoughTelemetry(manager, request);
    }
    const queued: TrainingEvent = {
      jobId: id,
      seq: 1,
      state: 'QUEUED',
      at: new Date().toISOString(),
      attempt: 0,
      maxEpochs: request.epochs,
      epoch: null,
      loss: null,
      validationLoss: null,
      validationPrAuc: null,
      modelId: null,
      promoted: null,
      evaluation: null,
      reason: null,
      phase: null,
    };
    return manager.save(
      manager.create(TrainingJob, {
        tenantId,
        id,
        state: 'QUEUED',
        request,
        seq: 1,
        // Set here, not left to column defaults: save() does not read defaults back, and the
        // returned job must have every field a client may select.
        attempt: 0,
        cancelRequested: false,
        lastEvent: queued,
        events: [queued],
      }),
    );
  });
  try {
    // After commit, so the worker always finds the row. Bull's job id is the training job's id.
    await enqueue(
      queue,
      TRAINING_JOB,
      { tenantId, jobId: id },
      // Fair order across tenants: a tenant's n-th waiting job has priority n (1 runs first),
      // so another tenant's first job overtakes the second and later jobs of a busy one.
      { jobId: id, priority: waiting + 1 },
    );
  } catch (err) {
    await withTenant(dataSource, tenantId, (manager) =>
      advanceJob(
        manager,
        id,
        ['QUEUED'],
        'FAILED',
        { reason: 'could not be queued' },
        { reason: 'could not be queued' },
      ),
    );
    throw err;
  }
  return job;
}

/**
 * Cancels a queued job at once; asks the worker running a running job to stop it (it ends as
 * CANCELLED within moments). A finished job is CONFLICT.
 */
export async function cancelTraining(
  dataSource: DataSource,
  channels: Channels,
  queue: Bull.Queue<TrainingQueueJob>,
  tenantId: string,
  jobId: string,
): Promise<TrainingJob> {
  const event = await withTenant(dataSource, tenantId, async (manager) => {
    const job = await getTrainingJob(manager, jobId);
    if (TERMINAL_STATES.includes(job.state))
      throw new ConflictError(`Training job ${jobId} is already ${job.state}.`);
    const cancelled = await advanceJob(
      manager,
      jobId,
      ['QUEUED'],
      'CANCELLED',
      { reason: 'cancelled' },
      { reason: 'cancelled' },
    );
    // Not queued any more: it started meanwhile (or was running). Flag it for the worker.
    if (!cancelled) await manager.update(TrainingJob, { id: jobId }, { cancelRequested: true });
    return cancelled?.event;
  });
  if (event) {
    await channels.publish(trainingChannel(jobId), event);
    // A worker that took it meanwhile finds it CANCELLED and skips it.
    await (await queue.getJob(jobId))?.remove().catch(() => undefined);
  } else {
    await channels.publish(cancelChannel(jobId), { jobId });
  }
  return readTrainingJob(dataSource, tenantId, jobId);
}

/** Active endpoints the job trains on. */
export async function trainingEndpoints(
  manager: EntityManager,
  request: TrainingRequest,
): Promise<Endpoint[]> {
  return activeEndpoints(manager, request.endpointIds);
}
