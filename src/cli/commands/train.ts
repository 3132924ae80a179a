import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { loadConfig } from '../../config/config';
import { GLOBAL_SCOPE_ID } from '../../entities/tenant.entity';
import { BadInputError } from '../../errors/app-errors';
import { logger } from '../../config/logger';
import { openQueue } from '../../jobs/queues';
import { startWorker } from '../../processes/worker';
import { Channels } from '../../realtime/channels';
import { tenantIdBySlug } from '../../services/tenants';
import { followTraining } from '../../training/follow-training';
import {
  requestTraining,
  TRAINING_QUEUE,
  type TrainingQueueJob,
} from '../../training/training-jobs';
import type { TrainingRequest } from '../../training/training-events';
import type { DataSource } from 'typeorm';
import type { StoredEvaluation } from '../../ml/stored-evaluation';
import { formatEvaluation } from '../format-evaluation';
import { createProgress } from '../progress';
import { trainingLine } from '../training-line';
import { withAppDataSource } from '../with-services';

interface TrainOptions {
  tenant?: string;
  global?: boolean;
  horizon: string;
  epochs: string;
  windowDays: string;
  seed?: string;
  autoPromote: boolean;
  follow?: boolean;
}

function integer(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return value;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      "queue a training run of a tenant's model (or the global one); --follow shows its progress live",
    )
    .option('--tenant <slug>', 'the tenant whose model to train')
    .option(
      '--global',
      'train the global model from the anonymised aggregate of all contributing tenants',
    )
    .option('--horizon <minutes>', 'forecast a breach onset within this many minutes (5-120)', '15')
    .option('--epochs <n>', 'at most this many epochs (1-200)', '40')
    .option('--window-days <n>', 'train on the last n days (2-90)', '28')
    .option('--seed <n>', 'fix the seed for a reproducible run')
    .option('--no-auto-promote', 'never make the new model ACTIVE automatically')
    .option('--follow', 'stay and show the progress until the job ends')
    .action(async (options: TrainOptions) => {
      const ok = await withAppDataSource(async (dataSource, services) => {
        if (Boolean(options.global) === Boolean(options.tenant))
          throw new Error('give either --tenant <slug> or --global');
        const tenantId = options.global
          ? GLOBAL_SCOPE_ID
          : await tenantIdBySlug(dataSource, options.tenant!);
        if (!tenantId) throw new Error(`no tenant ${options.tenant}`);
        const queue = openQueue<TrainingQueueJob>(TRAINING_QUEUE, services.redisUrl);
        const redis = new Redis(services.redisUrl);
        const channels = new Channels(services.redisUrl, redis, logger);
        let worker: { stop: () => Promise<void> } | undefined;
        try {
          // requestTraining checks the ranges trainModel's input declares (training-request.ts).
          const job = await requestTraining(dataSource, queue, tenantId, {
            scope: options.global ? 'GLOBAL' : 'TENANT',
            horizonMinutes: integer('--horizon', options.horizon),
            epochs: integer('--epochs', options.epochs),
            windowDays: integer('--window-days', options.windowDays),
            endpointIds: null,
            seed: options.seed === undefined ? null : integer('--seed', options.seed),
            autoPromote: options.autoPromote,
          }).catch((err: Error) => {
            if (!(err instanceof BadInputError)) throw err;
            throw new Error(err.fields.map((f) => `${f.field}: ${f.message}`).join('; '));
          });
          console.log(`training job ${job.id} queued`);
          if (!options.follow) return true;
          if ((await queue.getWorkers()).length === 0) {
            console.log('no worker is running: starting one in this process until the job ends');
            worker = await startWorker(loadConfig(), services, logger);
          }
          return await follow(dataSource, channels, tenantId, job.id, job.request);
        } finally {
          await worker?.stop();
          await channels.close();
          redis.disconnect();
          await queue.close();
        }
      });
      if (!ok) process.exitCode = 1;
    });

  program
    .command('evaluate <modelId>')
    .description("print a model's held-out evaluation next to the burn-rate alert's")
    .action(async (modelId: string) => {
      await withAppDataSource(async (_dataSource, services) => {
        // The operator names a model, not a tenant: read as the owner, like `sentinel import`.
        const client = new Client({ connectionString: services.ownerDatabaseUrl });
        await client.connect();
        try {
          const { rows } = await client.query<{
            version: number;
            status: string;
            horizon_minutes: number;
            evaluation: StoredEvaluation;
            slug: string;
          }>(
            `select m.version, m.status, m.horizon_minutes, m.evaluation, t.slug from models m join tenants t on t.id = m.tenant_id where m.id::text = $1`,
            [modelId],
          );
          const model = rows[0];
          if (!model) throw new Error(`no model ${modelId}`);
          console.log(
            `model ${modelId}: tenant ${model.slug}, version ${model.version}, ${model.status}`,
          );
          console.log(formatEvaluation(model.evaluation, model.horizon_minutes));
        } finally {
          await client.end();
        }
      });
    });
}

/**
 * Follows the job's event stream (the one `trainingProgress` serves): a bar on a terminal, one
 * line per event otherwise.
 */
async function follow(
  dataSource: DataSource,
  channels: Channels,
  tenantId: string,
  jobId: string,
  request: TrainingRequest,
): Promise<boolean> {
  const progress = createProgress(request.epochs);
  for await (const event of await followTraining(dataSource, channels, tenantId, jobId)) {
    progress.update(event.epoch ?? 0, trainingLine(event, request.epochs));
    if (event.state === 'COMPLETED') {
      // Early stopping ends before the last epoch: the bar ends full at the epoch it stopped at.
      progress.stop(event.epoch ?? request.epochs);
      console.log(
        `\nmodel ${event.modelId} ${event.promoted ? 'is now ACTIVE' : 'is a CANDIDATE (not promoted)'}`,
      );
      console.log(formatEvaluation(event.evaluation!, request.horizonMinutes));
      return true;
    }
    if (event.state === 'FAILED' || event.state === 'CANCELLED') {
      progress.stop();
      console.log(`\njob ${event.state}: ${event.reason}`);
      return false;
    }
  }
  progress.stop();
  return false;
}
