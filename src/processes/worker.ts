import type Bull from 'bull';
import http from 'node:http';
import { metricsRegistry } from '../http/metrics';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import { openApiQueues } from '../jobs/api-queues';
import { reportBackend } from '../jobs/backend-report';
import { loadTf } from '../ml/backend';
import { MAINTENANCE_QUEUE, scheduleMaintenance } from '../jobs/maintenance-jobs';
import { INCIDENT_JOB, INCIDENT_QUEUE, INCIDENT_WATCH_MS } from '../jobs/incident-jobs';
import { createProcessors } from '../jobs/processors';
import { defineJob, finalFailure, type PlatformJob } from '../jobs/job-definition';
import { openQueue, scheduleEvery, useQueuePrefix } from '../jobs/queues';
import { RETRAINING_JOB, RETRAINING_QUEUE } from '../jobs/retraining-jobs';
import { SCORING_QUEUE } from '../jobs/scoring-jobs';
import { Channels } from '../realtime/channels';
import { openConnections, type ServiceUrls } from './connections';

async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.url !== '/metrics') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': metricsRegistry.contentType });
  res.end(await metricsRegistry.metrics());
}

/** A scoring round every SCORING_INTERVAL_MS; a failed round is not retried (the next one comes). */
const SCORING_JOB = defineJob<PlatformJob>({
  queue: SCORING_QUEUE,
  attempts: 1,
  keep: { completed: 10, failed: 10 },
});

/**
 * The worker process: consumes Bull queues. Serves no API (only GET /metrics when
 * WORKER_METRICS_PORT is set). TensorFlow runs here (scoring,
 * forecasts) and in the training child processes it forks, never in the API.
 */
export async function startWorker(
  config: Config,
  urls: ServiceUrls,
  logger: Logger,
): Promise<{ stop: () => Promise<void> }> {
  useQueuePrefix(config.queuePrefix);
  const connections = await openConnections(urls, logger, 5, {
    statementTimeoutMs: config.database.workerStatementTimeoutMs,
    idleInTransactionTimeoutMs: config.database.idleInTransactionTimeoutMs,
  });
  const producers = openApiQueues(urls.redisUrl);
  const channels = new Channels(urls.redisUrl, connections.redis, logger);
  const deps = {
    config,
    dataSource: connections.dataSource,
    redis: connections.redis,
    queues: producers,
    logger,
    channels,
    appDatabaseUrl: urls.appDatabaseUrl,
    platformDatabaseUrl: urls.platformDatabaseUrl,
  };
  const processors = createProcessors(config);
  const queues: Bull.Queue[] = [];
  for (const registration of processors) {
    const queue = openQueue(registration.queue, urls.redisUrl, registration.settings);
    queue.process(registration.concurrency, (job) => registration.process(job, deps));
    queue.on('failed', (job, err) => {
      void finalFailure(job, err)
        .then(async (failure) => {
          if (!failure) return; // intermediate retries are noise
          logger.warn(
            {
              queue: registration.queue,
              jobId: job.id,
              err: err.message,
              stalled: failure.stalled,
            },
            'job failed',
          );
          await registration.onFinalFailure?.(job, failure, deps);
        })
        .catch((e: Error) =>
          logger.error({ jobId: job.id, err: e.message }, 'could not record a job failure'),
        );
    });
    queues.push(queue);
  }
  await Promise.all(queues.map((queue) => queue.isReady()));
  const queueOf = (name: string) => queues[processors.findIndex((p) => p.queue === name)]!;
  await scheduleMaintenance(queueOf(MAINTENANCE_QUEUE));
  await scheduleEvery(
    queueOf(SCORING_QUEUE),
    SCORING_JOB,
    'score-all',
    config.jobs.scoringIntervalMs,
  );
  await scheduleEvery(
    queueOf(RETRAINING_QUEUE),
    RETRAINING_JOB,
    'retrain',
    config.jobs.retrainIntervalMs,
  );
  await scheduleEvery(queueOf(INCIDENT_QUEUE), INCIDENT_JOB, 'watch-incidents', INCIDENT_WATCH_MS);
  // Loaded now rather than at the first scoring round, so /healthz can tell the backend at once.
  await reportBackend(connections.redis, (await loadTf(logger)).backend);
  // Optional: the worker's own counters (e.g. tenants skipped by a failing job) for Prometheus.
  const metrics = config.workerMetricsPort
    ? http.createServer((req, res) => void serveMetrics(req, res)).listen(config.workerMetricsPort)
    : undefined;
  logger.info({ queues: processors.map((p) => p.queue) }, 'worker started');
  return {
    stop: async () => {
      // Long jobs (training) are abandoned to be retried; close() waits for the others to finish.
      metrics?.close();
      for (const p of processors) p.interrupt?.();
      await Promise.all(queues.map((queue) => queue.close()));
      await Promise.all(processors.map((p) => p.close?.()));
      await channels.close();
      await producers.close();
      await connections.close();
      logger.info('worker stopped');
    },
  };
}
