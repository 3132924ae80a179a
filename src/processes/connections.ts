import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import type { Logger } from '../config/logger';
import { createAppDataSource, type PoolLimits } from '../db/data-source';
import { pendingMigrations } from '../db/migrator';

/** Where a process connects: the app role's database URL and Redis. */
export interface ServiceUrls {
  appDatabaseUrl: string;
  /** Only the worker's global training uses it; absent, global training fails with a reason. */
  platformDatabaseUrl?: string;
  redisUrl: string;
}

export class SchemaBehindError extends Error {
  constructor(pending: string[]) {
    super(
      `database schema is behind (pending: ${pending.join(', ')}): run \`sentinel migrate\` first`,
    );
  }
}

/** Opens the app-role pool, refusing an unmigrated database, and a Redis client. */
export async function openConnections(
  urls: ServiceUrls,
  logger: Logger,
  poolSize?: number,
  limits: PoolLimits = {},
): Promise<{
  dataSource: DataSource;
  redis: Redis;
  close: () => Promise<void>;
}> {
  const pending = await pendingMigrations(urls.appDatabaseUrl);
  if (pending.length > 0) throw new SchemaBehindError(pending);
  const dataSource = await createAppDataSource(urls.appDatabaseUrl, poolSize, limits).initialize();
  const redis = new Redis(urls.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  try {
    await redis.connect();
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
  return {
    dataSource,
    redis,
    close: async () => {
      // QUIT waits for a reply; if Redis is already gone it would wait for a reconnect forever.
      const quit = redis.quit().catch(() => undefined);
      const timer = setTimeout(() => redis.disconnect(), 1000);
      await quit;
      clearTimeout(timer);
      await dataSource.destroy();
    },
  };
}
