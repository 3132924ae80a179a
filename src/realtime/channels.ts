import { Redis } from 'ioredis';
import type { Logger } from '../config/logger';

type Listener = (message: unknown) => void;

/**
 * Redis pub/sub for events any process may publish and any API instance may serve (training
 * progress, risk changes). One subscriber connection per process, shared by every listener.
 * `subscribe` resolves only once Redis has confirmed the subscription, so a caller that
 * subscribes and then reads the current state from PostgreSQL misses nothing in between.
 */
export class Channels {
  private readonly subscriber: Redis;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    redisUrl: string,
    private readonly publisher: Redis,
    private readonly logger: Logger,
  ) {
    this.subscriber = new Redis(redisUrl, { lazyConnect: true });
    this.subscriber.on('error', (err) =>
      logger.warn({ err: err.message }, 'redis subscriber error'),
    );
    this.subscriber.on('message', (channel: string, raw: string) => this.deliver(channel, raw));
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.publisher.publish(channel, JSON.stringify(message));
  }

  /** Listens to a channel until the returned function is called. */
  async subscribe(channel: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    if (this.subscriber.status === 'wait') await this.subscriber.connect();
    // Each call confirms the subscription, even when another listener made it first.
    await this.subscriber.subscribe(channel);
    return async () => {
      set.delete(listener);
      if (set.size > 0 || this.listeners.get(channel) !== set) return;
      this.listeners.delete(channel);
      await this.subscriber.unsubscribe(channel).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber.disconnect();
  }

  private deliver(channel: string, raw: string): void {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      this.logger.warn({ channel }, 'ignoring a message that is not JSON');
      return;
    }
    for (const listener of this.listeners.get(channel) ?? []) listener(message);
  }
}

/**
 * An async iterator over a channel's messages: subscribed once this resolves, it buffers what
 * arrives before it is read, and unsubscribes when the consumer stops (GraphQL calls `return()`).
 */
export async function channelIterator<T>(
  channels: Channels,
  channel: string,
): Promise<AsyncIterableIterator<T>> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const unsubscribe = await channels.subscribe(channel, (message) => {
    queue.push(message as T);
    wake?.();
  });
  const finish = async (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      wake?.();
      await unsubscribe();
    }
    return { done: true, value: undefined };
  };
  const iterator: AsyncIterableIterator<T> = {
    next: async () => {
      while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
      if (queue.length > 0) return { done: false, value: queue.shift()! };
      return { done: true, value: undefined };
    },
    return: finish,
    throw: async (err) => {
      await finish();
      throw err;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
