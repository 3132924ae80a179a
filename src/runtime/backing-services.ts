import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import { appDatabaseUrl, platformDatabaseUrl } from '../db/urls';
import { startEmbeddedPostgres } from './embedded-postgres';
import { startEmbeddedRedis } from './embedded-redis';
import { loadLocalSecrets } from './secrets';

/** Where PostgreSQL and Redis are, and how to stop the ones this process started. */
export interface BackingServices {
  /** Owner role: migrations and operator commands only. */
  ownerDatabaseUrl: string;
  /** App role: every request and job. */
  appDatabaseUrl: string;
  /** The platform role (global training only). */
  platformDatabaseUrl: string;
  /** Password migrations give the app role, when Sentinel manages that role's login. */
  appDbPassword: string;
  /** The platform role's password (set on the role only when migrate creates it). */
  platformDbPassword: string;
  redisUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * Uses DATABASE_URL / REDIS_URL when given; otherwise starts (or joins) the embedded PostgreSQL
 * and redis-server under the data dir. `npm start`, the CLI and the test runner all come here.
 */
export async function resolveBackingServices(
  config: Config,
  logger: Logger,
): Promise<BackingServices> {
  const secrets = loadLocalSecrets(config.dataDir);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };

  try {
    let ownerDatabaseUrl = config.databaseUrl;
    if (!ownerDatabaseUrl) {
      const pg = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.embeddedPgPort,
        password: secrets.pgSuperuserPassword,
        logger,
      });
      stops.push(pg.stop);
      ownerDatabaseUrl = pg.url;
    }

    let redisUrl = config.redisUrl;
    if (!redisUrl) {
      const redis = await startEmbeddedRedis({
        dataDir: config.dataDir,
        port: config.embeddedRedisPort,
        password: secrets.redisPassword,
        logger,
      });
      stops.push(redis.stop);
      redisUrl = redis.url;
    }

    return {
      ownerDatabaseUrl,
      appDatabaseUrl:
        config.appDatabaseUrl ?? appDatabaseUrl(ownerDatabaseUrl, secrets.appDbPassword),
      platformDatabaseUrl:
        config.platformDatabaseUrl ??
        platformDatabaseUrl(ownerDatabaseUrl, secrets.platformDbPassword),
      appDbPassword: secrets.appDbPassword,
      platformDbPassword: secrets.platformDbPassword,
      redisUrl,
      embedded: !config.databaseUrl || !config.redisUrl,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
