import type { DataSource } from 'typeorm';
import { loadConfig, type Config } from '../config/config';
import { logger } from '../config/logger';
import { createAppDataSource } from '../db/data-source';
import { useQueuePrefix } from '../jobs/queues';
import { resolveBackingServices, type BackingServices } from '../runtime/backing-services';

/**
 * Runs a one-shot command against Sentinel's services: the ones in the environment, or the
 * embedded ones (joined if `npm start` runs them, else started now and stopped afterwards).
 */
export async function withServices<T>(
  work: (services: BackingServices, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  useQueuePrefix(config.queuePrefix);
  const services = await resolveBackingServices(config, logger);
  try {
    return await work(services, config);
  } finally {
    await services.stop();
  }
}

/** As withServices, with an app-role DataSource open for the duration. */
export async function withAppDataSource<T>(
  work: (dataSource: DataSource, services: BackingServices) => Promise<T>,
): Promise<T> {
  return withServices(async (services) => {
    const dataSource = await createAppDataSource(services.appDatabaseUrl, 2).initialize();
    try {
      return await work(dataSource, services);
    } finally {
      await dataSource.destroy();
    }
  });
}
