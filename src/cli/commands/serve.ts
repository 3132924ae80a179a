import type { Command } from 'commander';
import { loadConfig } from '../../config/config';
import { logger } from '../../config/logger';
import { startApi } from '../../processes/api';
import { startWorker } from '../../processes/worker';
import { resolveBackingServices } from '../../runtime/backing-services';
import { stopOnSignal } from '../stop-on-signal';

/** `sentinel api` and `sentinel worker`: one long-running process each (any number of each). */
export function registerServe(program: Command): void {
  program
    .command('api')
    .description('run the API (HTTP and WebSocket on PORT, default 4000)')
    .action(async () => {
      const config = loadConfig();
      const services = await resolveBackingServices(config, logger);
      const api = await startApi(config, services, logger).catch(async (err) => {
        await services.stop();
        throw err;
      });
      stopOnSignal(logger, async () => {
        await api.stop();
        await services.stop();
      });
    });

  program
    .command('worker')
    .description('run a worker (Bull queues: probing, training, scoring)')
    .action(async () => {
      const config = loadConfig();
      const services = await resolveBackingServices(config, logger);
      const worker = await startWorker(services, logger).catch(async (err) => {
        await services.stop();
        throw err;
      });
      stopOnSignal(logger, async () => {
        await worker.stop();
        await services.stop();
      });
    });
}
