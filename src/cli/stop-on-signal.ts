import type { Logger } from '../config/logger';

/** Longer than in-flight work should ever need; after it, exit anyway rather than hang. */
const STOP_DEADLINE_MS = 30_000;

/** On the first SIGINT or SIGTERM runs `stop` once, then exits; a second signal forces the exit. */
export function stopOnSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ deadlineMs: STOP_DEADLINE_MS }, 'shutdown did not finish in time, exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
