import type { Redis } from 'ioredis';
import type { Config } from '../../src/config/config';
import { logger } from '../../src/config/logger';
import type { ApiQueues } from '../../src/jobs/api-queues';
import type { ProcessorDeps } from '../../src/jobs/processor';
import type { Channels } from '../../src/realtime/channels';
import type { ApiFixture } from './api';

/**
 * What the worker hands a processor, for tests that call one directly. The processors tested this
 * way (maintenance, probes, webhooks) neither publish events nor use Redis beyond their queues, so
 * `channels` and `redis` are left empty: a processor that starts using them fails loudly here.
 */
export function processorDeps(
  fx: ApiFixture,
  queues: ApiQueues,
  config: Config = fx.api.config,
): ProcessorDeps {
  return {
    config,
    dataSource: fx.db.dataSource,
    queues,
    logger,
    channels: {} as Channels,
    redis: {} as Redis,
    appDatabaseUrl: fx.db.appUrl,
  };
}
