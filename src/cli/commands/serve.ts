import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config/config';
import { logger } from '../../config/logger';
import { startApi } from '../../processes/api';
import { startWorker } from '../../processes/worker';
import { resolveBackingServices } from '../../runtime/backing-services';
import { stopOnSignal } from '../stop-on-signal';
import type { ServiceUrls } from '../../processes/connections';

/** Runs one long-lived process until SIGINT/SIGTERM, then stops it before the services it used. */
async function serve(
  start: (config: Config, services: ServiceUrls) => Promise<{ stop: () => Promise<void> }>,
): Promise<void> {
  const config = loadConfig();
  // Given its URLs (as `sentinel start` gives its children), a process needs nothing else: no
  // owner URL, no secrets file, no embedded services.
  const services: ServiceUrls & { stop: () => Promise<void> } =
    config.appDatabaseUrl && config.redisUrl && !config.databaseUrl
      ? {
          appDatabaseUrl: config.appDatabaseUrl,
          platformDatabaseUrl: config.platformDatabaseUrl,
          redisUrl: config.redisUrl,
          stop: async () => undefined,
        }
      : await resolveBackingServices(config, logger);
  const running = await start(config, services).catch(async (err) => {
    await services.stop();
    throw err;
  });
  stopOnSignal(logger, async () => {
    await running.stop();
    await services.stop();
  });
}

/** `sentinel api` and `sentinel worker`: one long-running process each (any number of each). */
export function registerServe(program: Command): void {
  program
    .command('api')
    .description('run the API (HTTP and WebSocket on PORT, default 4000)')
    // The API never reads the global aggregate: it gets no platform credentials.
    .action(() =>
      serve((config, services) =>
        startApi(
          config,
          { appDatabaseUrl: services.appDatabaseUrl, redisUrl: services.redisUrl },
          logger,
        ),
      ),
    );

  program
    .command('worker')
    .description('run a worker (Bull queues: probing, training, scoring)')
    .action(() => serve((config, services) => startWorker(config, services, logger)));
}
