import {
  createSourceEventStream,
  execute,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';

/**
 * graphql-js `subscribe`, except that subscribers of the same event share its execution. A Redis
 * message is decoded once per API instance (src/realtime/channels.ts) and the same object reaches
 * every subscriber; graphql-js would then execute the selection once per socket. Here the result
 * is computed once per event for each (document, variables, operation, audience) and reused, so
 * 1,000 subscribers of one endpoint cost one execution and 1,000 socket writes.
 *
 * `audience` must name everything a resolver below the subscription may read from the context
 * (the tenant and the key's scope): subscribers with another audience never share a result.
 * `executeEvent` runs one event's execution (the API gives each its own deadline).
 */
export async function sharedSubscribe(
  args: ExecutionArgs,
  audience: string,
  executeEvent: (args: ExecutionArgs) => ExecutionResult | Promise<ExecutionResult> = execute,
): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const source = stream[Symbol.asyncIterator]();
  const key = `${documentId(args.document)}\n${args.operationName ?? ''}\n${JSON.stringify(
    args.variableValues ?? {},
  )}\n${audience}`;

  const resultFor = (payload: unknown): Promise<ExecutionResult> => {
    const run = async () => executeEvent({ ...args, rootValue: payload });
    if (typeof payload !== 'object' || payload === null) return run();
    let perEvent = results.get(payload);
    if (!perEvent) results.set(payload, (perEvent = new Map()));
    let result = perEvent.get(key);
    if (!result) perEvent.set(key, (result = run()));
    return result;
  };

  const generator: AsyncGenerator<ExecutionResult> = {
    next: async () => {
      const step = await source.next();
      if (step.done) return { done: true, value: undefined };
      return { done: false, value: await resultFor(step.value) };
    },
    return: async () => {
      await source.return?.();
      return { done: true, value: undefined };
    },
    throw: async (err: unknown) => {
      await source.return?.();
      throw err;
    },
    [Symbol.asyncIterator]: () => generator,
    // Node 20 types async generators as disposable; nothing to release beyond return().
    [Symbol.asyncDispose]: async () => undefined,
  } as AsyncGenerator<ExecutionResult>;
  return generator;
}

/** Results by event object: they go when the event is no longer referenced. */
const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

/** Documents come from the parse cache, so one query text is one object. */
const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
function documentId(document: DocumentNode): number {
  let id = documentIds.get(document);
  if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
  return id;
}
