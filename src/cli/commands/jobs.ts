import type { Command } from 'commander';
import { GLOBAL_SCOPE_ID } from '../../entities/tenant.entity';
import type { TrainingJob } from '../../entities/training-job.entity';
import { tenantIdBySlug } from '../../services/tenants';
import { readTrainingJobs } from '../../training/training-job-list';
import { TRAINING_STATES, type TrainingState } from '../../training/training-events';
import { withAppDataSource } from '../with-services';

/** One job as a line: when, id, state, epochs, and the model or the reason. */
export function jobLine(job: TrainingJob): string {
  const epoch = job.lastEvent.epoch ?? 0;
  const outcome = job.modelId ? `model ${job.modelId}` : (job.reason ?? '');
  return [
    job.createdAt.toISOString().slice(0, 16).replace('T', ' '),
    job.id,
    job.state.padEnd(9),
    `${epoch}/${job.request.epochs} epochs`.padEnd(14),
    outcome,
  ]
    .join('  ')
    .trimEnd();
}

export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description("list a tenant's training jobs (or the global model's), newest first")
    .option('--tenant <slug>', 'the tenant whose jobs to list')
    .option('--global', "the global model's jobs")
    .option('--state <state>', `only jobs in this state (${TRAINING_STATES.join(', ')})`)
    .option('--limit <n>', 'at most this many', '20')
    .action(
      async (options: { tenant?: string; global?: boolean; state?: string; limit: string }) => {
        if (Boolean(options.global) === Boolean(options.tenant))
          throw new Error('give either --tenant <slug> or --global');
        const first = Number(options.limit);
        if (!Number.isInteger(first) || first < 1 || first > 1000)
          throw new Error('--limit must be between 1 and 1000');
        const state = options.state?.toUpperCase();
        if (state !== undefined && !TRAINING_STATES.includes(state as TrainingState))
          throw new Error(`--state must be one of ${TRAINING_STATES.join(', ')}`);
        const jobs = await withAppDataSource(async (dataSource) => {
          const scopeId = options.global
            ? GLOBAL_SCOPE_ID
            : await tenantIdBySlug(dataSource, options.tenant!);
          if (!scopeId) throw new Error(`no tenant ${options.tenant}`);
          return readTrainingJobs(dataSource, scopeId, {
            first,
            state: state as TrainingState | undefined,
          });
        });
        if (jobs.length === 0) console.log('no training jobs');
        for (const job of jobs.slice(0, first)) console.log(jobLine(job));
        if (jobs.length > first) console.log(`... more: --limit ${first * 2}`);
      },
    );
}
