import type Bull from 'bull';
import { openQueue } from './queues';
import { ROLLUP_QUEUE, type RollupJob } from './rollup-jobs';

/** The queues the API produces into (it never consumes: that is the worker's job). */
export interface ApiQueues {
  rollups: Bull.Queue<RollupJob>;
}

export function openApiQueues(redisUrl: string): ApiQueues & { close: () => Promise<void> } {
  const rollups = openQueue<RollupJob>(ROLLUP_QUEUE, redisUrl);
  return { rollups, close: () => rollups.close() };
}
