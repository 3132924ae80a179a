import type { EndpointJobs } from '../services/endpoints';
import type { ApiQueues } from './api-queues';
import { syncProbeSchedule } from './probe-jobs';
import { enqueueRollups } from './rollup-jobs';

/** The endpoint domain's follow-up jobs, onto these queues (the domain never opens queues). */
export function endpointJobs(queues: Pick<ApiQueues, 'probes' | 'rollups'>): EndpointJobs {
  return {
    syncProbeSchedule: (endpoint, previousIntervalSeconds) =>
      syncProbeSchedule(queues.probes, endpoint, previousIntervalSeconds),
    recomputeRollups: (tenantId, ranges) => enqueueRollups(queues.rollups, tenantId, ranges),
  };
}
