import { Redis } from 'ioredis';
import { until } from './poll';

/**
 * Waits until `subscribers` connections listen on a Redis channel: graphql-ws does not say when a
 * subscription is live, and an event published before that is (rightly) never delivered. Each API
 * process holds one subscriber connection, however many of its clients listen.
 */
export async function untilSubscribed(
  redisUrl: string,
  channel: string,
  subscribers = 1,
): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    await until(async () => {
      const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
      return Number(count) >= subscribers;
    }, `${subscribers} subscriber(s) on ${channel}`);
  } finally {
    redis.disconnect();
  }
}
