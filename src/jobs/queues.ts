import Bull from 'bull';
import { enqueue, type JobDefinition, type PlatformJob } from './job-definition';

let prefix = 'sentinel';

/**
 * Sets the prefix every queue's keys live under (config.queuePrefix), so tests (and several
 * Sentinels) can share a Redis. Each process calls it once at start, before opening a queue.
 */
export function useQueuePrefix(value: string): void {
  prefix = value;
}

export function queuePrefix(): string {
  return prefix;
}

/** A Bull queue on Sentinel's Redis. Producers (API) and consumers (worker) both open them here. */
export function openQueue<T>(
  name: string,
  redisUrl: string,
  settings?: Bull.AdvancedSettings,
): Bull.Queue<T> {
  return new Bull<T>(name, redisUrl, {
    prefix,
    ...(settings ? { settings } : {}),
    defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
  });
}

/**
 * One platform-wide schedule for `jobId` every `everyMs`, however many workers call this (Bull
 * keys repeatable jobs by id and interval); a schedule left from another interval is removed.
 */
export async function scheduleEvery(
  queue: Bull.Queue<PlatformJob>,
  definition: JobDefinition<PlatformJob>,
  jobId: string,
  everyMs: number,
): Promise<void> {
  const stale = (await queue.getRepeatableJobs()).filter(
    (r) => r.id === jobId && Number(r.every) !== everyMs,
  );
  for (const r of stale) await queue.removeRepeatableByKey(r.key);
  await enqueue(queue, definition, {}, { jobId, repeat: { every: everyMs } });
}
