import type { Redis } from 'ioredis';
import { queuePrefix } from './queues';

/** What a worker last said about its TensorFlow.js backend; the API's /healthz shows it. */
export interface BackendReport {
  backend: string;
  pid: number;
  at: string;
}

const TTL_SECONDS = 300;

function key(): string {
  return `${queuePrefix()}:tensorflow-backend`;
}

/** Workers call this at start and on every scoring round; it expires if none is alive. */
export async function reportBackend(redis: Redis, backend: string): Promise<void> {
  const report: BackendReport = { backend, pid: process.pid, at: new Date().toISOString() };
  await redis.set(key(), JSON.stringify(report), 'EX', TTL_SECONDS);
}

/** The last report, or null when no worker reported within the TTL (or Redis does not answer). */
export async function reportedBackend(redis: Redis): Promise<BackendReport | null> {
  const raw = await redis.get(key()).catch(() => null);
  return raw ? (JSON.parse(raw) as BackendReport) : null;
}
