import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';

const store = new AsyncLocalStorage<string>();

/** A caller-given `x-request-id` when it looks sane, else a fresh one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && /^[\w.-]{1,100}$/.test(given) ? given : crypto.randomUUID();
}

/** Runs `work` with `requestId` visible to currentRequestId() anywhere below it (error masking). */
export function runWithRequestId<T>(requestId: string, work: () => T): T {
  return store.run(requestId, work);
}

export function currentRequestId(): string {
  return store.getStore() ?? 'none';
}
