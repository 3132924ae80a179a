import Bull from 'bull';

/** Every queue's keys live under this prefix, so tests (and several Sentinels) can share a Redis. */
export function queuePrefix(): string {
  return process.env.SENTINEL_QUEUE_PREFIX ?? 'sentinel';
}

/** A Bull queue on Sentinel's Redis. Producers (API) and consumers (worker) both open them here. */
export function openQueue<T>(
  name: string,
  redisUrl: string,
  settings?: Bull.AdvancedSettings,
): Bull.Queue<T> {
  return new Bull<T>(name, redisUrl, {
    prefix: queuePrefix(),
    ...(settings ? { settings } : {}),
    defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
  });
}

/**
 * One platform-wide schedule for `jobId` every `everyMs`, however many workers call this (Bull
 * keys repeatable jobs by id and interval); a schedule left from another interval is removed.
 */
export async function scheduleEvery(
  queue: Bull.Queue,
  jobId: string,
  everyMs: number,
): Promise<void> {
  const stale = (await queue.getRepeatableJobs()).filter(
    (r) => r.id === jobId && Number(r.every) !== everyMs,
  );
  for (const r of stale) await queue.removeRepeatableByKey(r.key);
  await queue.add(
    {},
    { jobId, repeat: { every: everyMs }, removeOnComplete: 10, removeOnFail: 10 },
  );
}
