import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, parse, type ExecutionResult, type GraphQLFieldResolver } from 'graphql';
import { sharedSubscribe } from '../../src/realtime/shared-subscribe';

/**
 * A subscription fed like Sentinel's: every subscriber's iterator yields the same event objects
 * (Channels decodes a Redis message once and hands that object to every listener). Counts how
 * often the selection below the subscription field is executed.
 */
function fixture() {
  let executions = 0;
  const listeners = new Set<(event: object) => void>();
  const schema = buildSchema(`
    type Change { value: Int! }
    type Query { ok: Boolean }
    type Subscription { changed: Change! }
  `);
  const rootValue = {
    changed: () => {
      const queue: object[] = [];
      let wake: (() => void) | undefined;
      const listener = (event: object) => {
        queue.push(event);
        wake?.();
      };
      listeners.add(listener);
      const iterator: AsyncIterableIterator<object> = {
        next: async () => {
          while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          return { done: false, value: queue.shift()! };
        },
        return: async () => {
          listeners.delete(listener);
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    },
  };
  // The event is the subscription field's value; `value` counts executions.
  const fieldResolver: GraphQLFieldResolver<Record<string, unknown>, unknown> = (
    source,
    _args,
    _context,
    info,
  ) => {
    if (info.fieldName === 'changed') return source;
    executions++;
    return source[info.fieldName];
  };
  return {
    args: {
      schema,
      rootValue,
      fieldResolver,
      document: parse('subscription { changed { value } }'),
    },
    publish: (event: object) => listeners.forEach((listener) => listener(event)),
    executions: () => executions,
  };
}

describe('sharedSubscribe', () => {
  it('executes an event once for all subscribers of one operation and audience', async () => {
    const fx = fixture();
    const streams = (await Promise.all([
      sharedSubscribe(fx.args, 'tenant-a:read'),
      sharedSubscribe(fx.args, 'tenant-a:read'),
      sharedSubscribe(fx.args, 'tenant-a:read'),
      sharedSubscribe(fx.args, 'tenant-b:read'),
    ])) as Array<AsyncGenerator<ExecutionResult>>;
    fx.publish({ value: 7 });
    for (const stream of streams)
      assert.deepEqual(JSON.parse(JSON.stringify((await stream.next()).value)), {
        data: { changed: { value: 7 } },
      });
    // Three subscribers of tenant a share one execution; tenant b's subscriber has its own.
    assert.equal(fx.executions(), 2);

    fx.publish({ value: 8 });
    for (const stream of streams)
      assert.deepEqual(JSON.parse(JSON.stringify((await stream.next()).value)), {
        data: { changed: { value: 8 } },
      });
    assert.equal(fx.executions(), 4);
    for (const stream of streams) await stream.return(undefined);
  });
});
