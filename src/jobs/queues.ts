import Bull from 'bull';

/** Every queue's keys live under this prefix, so tests (and several Sentinels) can share a Redis. */
export function queuePrefix(): string {
  return process.env.SENTINEL_QUEUE_PREFIX ?? 'sentinel';
}

/** A Bull queue on Sentinel's Redis. Producers (API) and consumers (worker) both open them here. */
export function openQueue<T>(name: string, redisUrl: string, settings?: Bull.AdvancedSettings): Bull.Queue<T> {
  return new Bull<T>(name, redisUrl, {
    prefix: queuePrefix(),
    ...(settings ? { settings } : {}),
    defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
  });
}
