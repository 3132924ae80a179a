import type { DataSource, EntityManager } from 'typeorm';
import { TrainingJob } from '../entities/training-job.entity';
import { withTenant } from '../tenancy/with-tenant';
import type { TrainingState } from './training-events';

/**
 * A scope's training jobs, newest first, one page of keyset pagination: `first` rows after the
 * job `afterId` (a job of another tenant is invisible under RLS, so such a cursor matches nothing),
 * plus one more to tell whether a next page exists.
 */
export async function listTrainingJobs(
  manager: EntityManager,
  options: { first: number; afterId?: string; state?: TrainingState },
): Promise<TrainingJob[]> {
  const query = manager
    .createQueryBuilder(TrainingJob, 'j')
    .orderBy('j.createdAt', 'DESC')
    .addOrderBy('j.id', 'DESC')
    .take(options.first + 1);
  if (options.state) query.andWhere('j.state = :state', { state: options.state });
  if (options.afterId) {
    query.andWhere(
      '(j.created_at, j.id) < (select created_at, id from training_jobs where id = :afterId)',
      { afterId: options.afterId },
    );
  }
  return query.getMany();
}

/** One page of the scope's training jobs, in a transaction of its own (the API and `sentinel jobs`). */
export function readTrainingJobs(
  dataSource: DataSource,
  scopeId: string,
  options: { first: number; afterId?: string; state?: TrainingState },
): Promise<TrainingJob[]> {
  return withTenant(dataSource, scopeId, (manager) => listTrainingJobs(manager, options));
}
