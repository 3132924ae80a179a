import type { Client as WsClient } from 'graphql-ws';

export interface Streamed<T> {
  events: T[];
  /** Resolves when the server completes the subscription (or rejects with its errors). */
  done: Promise<T[]>;
  /** Resolves once `predicate` holds for an event received so far. */
  until(predicate: (event: T) => boolean, timeoutMs?: number): Promise<T>;
  stop(): void;
}

/** Subscribes over graphql-ws and records every event of the `field` in arrival order. */
export function streamSubscription<T>(
  client: WsClient,
  query: string,
  variables: Record<string, unknown>,
  field: string,
): Streamed<T> {
  const events: T[] = [];
  const waiters: Array<{ predicate: (event: T) => boolean; resolve: (event: T) => void }> = [];
  let stop: () => void = () => undefined;
  const done = new Promise<T[]>((resolve, reject) => {
    stop = client.subscribe<Record<string, T>>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors?.length) return reject(value.errors);
          const event = value.data![field]!;
          events.push(event);
          for (const waiter of [...waiters]) {
            if (waiter.predicate(event)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(event);
            }
          }
        },
        error: reject,
        complete: () => resolve(events),
      },
    );
  });
  done.catch(() => undefined); // a test that cares awaits it
  return {
    events,
    done,
    stop: () => stop(),
    until: (predicate, timeoutMs = 120_000) => {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`),
            ),
          timeoutMs,
        );
        waiters.push({ predicate, resolve: (event) => (clearTimeout(timer), resolve(event)) });
      });
    },
  };
}
