import type Bull from 'bull';
import { PROBE_QUEUE, type ProbeJob } from './probe-jobs';
import { openQueue } from './queues';
import { ROLLUP_QUEUE, type RollupJob } from './rollup-jobs';

/** The queues the API (and processors) produce into. Consuming them is the worker's job. */
export interface ApiQueues {
  rollups: Bull.Queue<RollupJob>;
  probes: Bull.Queue<ProbeJob>;
}

export function openApiQueues(redisUrl: string): ApiQueues & { close: () => Promise<void> } {
  const rollups = openQueue<RollupJob>(ROLLUP_QUEUE, redisUrl);
  const probes = openQueue<ProbeJob>(PROBE_QUEUE, redisUrl);
  return {
    rollups,
    probes,
    close: async () => {
      await Promise.all([rollups.close(), probes.close()]);
    },
  };
}
