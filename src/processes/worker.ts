import type Bull from 'bull';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import { openApiQueues } from '../jobs/api-queues';
import { MAINTENANCE_QUEUE, scheduleMaintenance } from '../jobs/maintenance-jobs';
import { createProcessors } from '../jobs/processors';
import { openQueue } from '../jobs/queues';
import { openConnections, type ServiceUrls } from './connections';

/** The worker process: consumes Bull queues. Never serves HTTP; training runs here, not in the API. */
export async function startWorker(config: Config, urls: ServiceUrls, logger: Logger): Promise<{ stop: () => Promise<void> }> {
  const connections = await openConnections(urls, logger, 5);
  const producers = openApiQueues(urls.redisUrl);
  const deps = { config, dataSource: connections.dataSource, queues: producers, logger };
  const processors = createProcessors();
  const queues: Bull.Queue[] = [];
  for (const registration of processors) {
    const queue = openQueue(registration.queue, urls.redisUrl);
    queue.process(registration.concurrency, (job) => registration.process(job, deps));
    // Report on the final attempt only, to avoid noise from intermediate retries.
    queue.on('failed', (job, err) => {
      if (job.attemptsMade >= (job.opts.attempts ?? 1)) logger.warn({ queue: registration.queue, jobId: job.id, err: err.message }, 'job failed');
    });
    queues.push(queue);
  }
  await Promise.all(queues.map((queue) => queue.isReady()));
  await scheduleMaintenance(queues[processors.findIndex((p) => p.queue === MAINTENANCE_QUEUE)]!);
  logger.info({ queues: processors.map((p) => p.queue) }, 'worker started');
  return {
    stop: async () => {
      // close() waits for the jobs in progress to finish before it resolves.
      await Promise.all(queues.map((queue) => queue.close()));
      await Promise.all(processors.map((p) => p.close?.()));
      await producers.close();
      await connections.close();
      logger.info('worker stopped');
    },
  };
}
