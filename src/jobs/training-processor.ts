import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type Bull from 'bull';
import type { Config } from '../config/config';
import type { ChildMessage, TrainCommand, TrainedPayload } from '../training/child-protocol';
import { recordTenantFailure } from './tenant-failures';
import { refreshAllContributions } from '../training/global-aggregate';
import { registerModel } from '../training/model-registry';
import { cancelChannel, trainingChannel, type TrainingEvent } from '../training/training-events';
import {
  advanceAndPublish,
  advanceJob,
  TRAINING_QUEUE,
  type TrainingQueueJob,
} from '../training/training-jobs';
import { withTenant } from '../tenancy/with-tenant';
import type { ProcessorDeps, ProcessorRegistration } from './processor';

const CHILD_ENTRY = path.resolve(__dirname, '../training/train-child.js');

type ChildOutcome =
  | { kind: 'done'; payload: TrainedPayload }
  | { kind: 'refused'; reason: string }
  | { kind: 'cancelled' }
  | { kind: 'interrupted' };

class InterruptedError extends Error {
  constructor() {
    super('the worker stopped during training; the job will be retried');
  }
}

/**
 * Training jobs: one at a time per worker, each in a child process (train-child.ts). This side
 * owns the job's state: RUNNING, one event per epoch, then COMPLETED (model registered and maybe
 * promoted, in the same transaction), FAILED or CANCELLED. A crash of the child or the worker
 * leaves the job RUNNING with Bull's lock expiring: it is retried once, then FAILED.
 */
export function createTrainingProcessor(config: Config): ProcessorRegistration {
  const running = new Set<ChildProcess>();
  let interrupted = false;
  return {
    queue: TRAINING_QUEUE,
    concurrency: 1,
    settings: {
      lockDuration: config.jobs.lockMs,
      stalledInterval: config.jobs.lockMs,
      maxStalledCount: 1,
    },
    interrupt: () => {
      interrupted = true;
      for (const child of running) child.kill('SIGKILL');
    },
    onFinalFailure: async (job: Bull.Job<TrainingQueueJob>, failure, { dataSource, channels }) => {
      const reason = failure.stalled
        ? 'the worker running it stopped responding, twice'
        : `training crashed: ${failure.error.message}`;
      await advanceAndPublish({
        dataSource,
        channels,
        tenantId: job.data.tenantId,
        jobId: job.data.jobId,
        from: ['QUEUED', 'RUNNING'],
        to: 'FAILED',
        fields: { reason },
        transition: { reason },
      });
    },
    process: async (job: Bull.Job<TrainingQueueJob>, deps) => {
      const { tenantId, jobId } = job.data;
      const { dataSource, channels } = deps;
      const reset = {
        // The child reads the data and computes features first (25-90 s): say so before epoch 1.
        phase: 'COMPUTING_FEATURES' as const,
        epoch: null,
        loss: null,
        validationLoss: null,
        validationPrAuc: null,
        reason: null,
      };
      const started = await advanceAndPublish({
        dataSource,
        channels,
        tenantId,
        jobId,
        from: ['QUEUED', 'RUNNING'],
        to: 'RUNNING',
        fields: reset,
        transition: { nextAttempt: true, started: true },
      });
      if (!started) return { skipped: 'cancelled or finished before it started' };
      const { request } = started;
      if (started.cancelRequested) return cancel(deps, tenantId, jobId);

      if (request.scope === 'GLOBAL') {
        // Every contributing tenant's rows are refreshed first, each in its own tenant context.
        const refreshed = await refreshAllContributions(
          dataSource,
          deps.config.globalAggregate,
          (failedTenant, err) =>
            recordTenantFailure(deps.logger, 'aggregate-refresh', failedTenant, err),
        );
        deps.logger.info({ jobId, ...refreshed }, 'global aggregate refreshed');
      }
      const child = fork(CHILD_ENTRY, [], { stdio: 'inherit' });
      running.add(child);
      deps.logger.info(
        { jobId, tenantId, pid: child.pid, attempt: started.event.attempt },
        'training started',
      );
      try {
        const outcome = await superviseChild(
          child,
          {
            type: 'train',
            appDatabaseUrl: deps.appDatabaseUrl,
            platformDatabaseUrl: deps.platformDatabaseUrl,
            aggregate: deps.config.globalAggregate,
            tenantId,
            jobId,
            request,
          },
          deps,
          tenantId,
          jobId,
          () => interrupted,
          config.jobs.trainingTimeoutMs,
        );
        if (outcome.kind === 'interrupted') {
          await advanceAndPublish({
            dataSource,
            channels,
            tenantId,
            jobId,
            from: ['RUNNING'],
            to: 'QUEUED',
            fields: { reason: 'worker stopped; queued again' },
          });
          throw new InterruptedError();
        }
        if (outcome.kind === 'cancelled') return cancel(deps, tenantId, jobId);
        if (outcome.kind === 'refused') {
          await advanceAndPublish({
            dataSource,
            channels,
            tenantId,
            jobId,
            from: ['RUNNING'],
            to: 'FAILED',
            fields: { reason: outcome.reason },
            transition: { reason: outcome.reason },
          });
          return { failed: outcome.reason };
        }
        return complete(deps, tenantId, jobId, request.autoPromote, outcome.payload);
      } finally {
        running.delete(child);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    },
  };
}

async function cancel(
  { dataSource, channels }: ProcessorDeps,
  tenantId: string,
  jobId: string,
): Promise<{ cancelled: true }> {
  await advanceAndPublish({
    dataSource,
    channels,
    tenantId,
    jobId,
    from: ['QUEUED', 'RUNNING'],
    to: 'CANCELLED',
    fields: { reason: 'cancelled' },
    transition: { reason: 'cancelled' },
  });
  return { cancelled: true };
}

/** Registers the model and finishes the job in one transaction: both happen, or neither. */
async function complete(
  { dataSource, channels }: ProcessorDeps,
  tenantId: string,
  jobId: string,
  autoPromote: boolean,
  payload: TrainedPayload,
): Promise<{ modelId: string }> {
  const event = await withTenant(dataSource, tenantId, async (manager) => {
    const { model, promoted } = await registerModel(
      manager,
      tenantId,
      {
        ...payload,
        trainingFrom: new Date(payload.trainingFrom),
        trainingTo: new Date(payload.trainingTo),
        artifact: {
          topology: payload.artifact.topology,
          weightSpecs: payload.artifact.weightSpecs as never,
          weights: Buffer.from(payload.artifact.weightsBase64, 'base64'),
          sha256: payload.artifact.sha256,
          ...(payload.artifact.record ? { record: payload.artifact.record } : {}),
        },
      },
      jobId,
      autoPromote,
    );
    const fields: Partial<TrainingEvent> = {
      modelId: model.id,
      promoted,
      evaluation: payload.evaluation,
    };
    const finished = await advanceJob(manager, jobId, ['RUNNING'], 'COMPLETED', fields, {
      modelId: model.id,
    });
    // Finished elsewhere meanwhile (declared FAILED after a stall): the model goes with the rollback.
    if (!finished) throw new Error('the job is no longer running; its model was discarded');
    return finished.event;
  });
  await channels.publish(trainingChannel(jobId), event);
  return { modelId: event.modelId! };
}

/**
 * Runs the child to its end, relaying each epoch as an event. A cancel request (on the cancel
 * channel, or seen on the row at an epoch) kills it. Rejects when the child dies without a result.
 */
async function superviseChild(
  child: ChildProcess,
  command: TrainCommand,
  { dataSource, channels, logger }: ProcessorDeps,
  tenantId: string,
  jobId: string,
  isInterrupted: () => boolean,
  timeoutMs: number,
): Promise<ChildOutcome> {
  let cancelled = false;
  let timedOut = false;
  const stopForCancel = () => {
    cancelled = true;
    child.kill('SIGKILL');
  };
  const unsubscribe = await channels.subscribe(cancelChannel(jobId), stopForCancel);
  // A run past its time is stopped and refused (FAILED, not retried: it would stop again), so a
  // training process that hangs cannot hold this worker's training queue.
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  let relay = Promise.resolve();
  try {
    return await new Promise<ChildOutcome>((resolve, reject) => {
      let outcome: ChildOutcome | undefined;
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'epoch') {
          // Events go out in order: each waits for the one before it.
          relay = relay
            .then(async () => {
              const { report } = message;
              const fields = {
                phase: 'TRAINING' as const,
                epoch: report.epoch,
                loss: report.loss,
                validationLoss: report.validationLoss,
                validationPrAuc: report.validationPrAuc,
              };
              const advanced = await advanceAndPublish({
                dataSource,
                channels,
                tenantId,
                jobId,
                from: ['RUNNING'],
                to: 'RUNNING',
                fields,
              });
              // The flag backs up the cancel channel, in case its message was missed.
              if (advanced?.cancelRequested) stopForCancel();
            })
            .catch((err: Error) =>
              logger.warn({ jobId, err: err.message }, 'could not record a training epoch'),
            );
        } else if (message.type === 'done') {
          outcome = { kind: 'done', payload: message.payload };
        } else {
          outcome = { kind: 'refused', reason: message.reason };
        }
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        void relay.then(() => {
          if (cancelled) resolve({ kind: 'cancelled' });
          else if (isInterrupted()) resolve({ kind: 'interrupted' });
          // A result that came in just before the time ran out still counts.
          else if (outcome) resolve(outcome);
          else if (timedOut)
            resolve({
              kind: 'refused',
              reason: `training ran longer than TRAINING_TIMEOUT_MS (${timeoutMs} ms) and was stopped`,
            });
          else
            reject(
              new Error(
                `the training process exited (${signal ?? `code ${code}`}) without a result`,
              ),
            );
        });
      });
      child.send(command);
    });
  } finally {
    clearTimeout(timer);
    await unsubscribe();
  }
}
