import type Bull from 'bull';
import { TRAINING_QUEUE, type TrainingQueueJob } from '../training/training-jobs';
import { FORECAST_QUEUE, type ForecastJob } from './forecast-jobs';
import { PROBE_QUEUE, type ProbeJob } from './probe-jobs';
import { openQueue } from './queues';
import { ROLLUP_QUEUE, type RollupJob } from './rollup-jobs';
import { WEBHOOK_QUEUE, type WebhookDelivery } from './webhook-jobs';

/** The queues the API (and processors) produce into. Consuming them is the worker's job. */
export interface ApiQueues {
  rollups: Bull.Queue<RollupJob>;
  probes: Bull.Queue<ProbeJob>;
  training: Bull.Queue<TrainingQueueJob>;
  forecasts: Bull.Queue<ForecastJob>;
  webhooks: Bull.Queue<WebhookDelivery>;
}

export function openApiQueues(redisUrl: string): ApiQueues & { close: () => Promise<void> } {
  const queues: ApiQueues = {
    rollups: openQueue<RollupJob>(ROLLUP_QUEUE, redisUrl),
    probes: openQueue<ProbeJob>(PROBE_QUEUE, redisUrl),
    training: openQueue<TrainingQueueJob>(TRAINING_QUEUE, redisUrl),
    forecasts: openQueue<ForecastJob>(FORECAST_QUEUE, redisUrl),
    webhooks: openQueue<WebhookDelivery>(WEBHOOK_QUEUE, redisUrl),
  };
  return {
    ...queues,
    close: async () => {
      await Promise.all(Object.values(queues).map((queue: Bull.Queue) => queue.close()));
    },
  };
}
