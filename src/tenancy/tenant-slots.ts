import type { DataSource } from 'typeorm';
import { UnavailableError } from '../errors/app-errors';

/**
 * How many units of work (withTenant) one tenant may run at once on one pool, so that one
 * tenant's request of many aliased fields, or its many concurrent requests, cannot take every
 * pooled connection while other tenants wait. A tenant over its share waits in its own queue
 * (first come, first served), at most `waitMs`; then 503 SERVICE_UNAVAILABLE, retryable, as
 * when the pool itself is saturated.
 */
export class TenantSlots {
  private readonly running = new Map<string, number>();
  private readonly queues = new Map<string, Array<(release: () => void) => void>>();

  constructor(
    readonly perTenant: number,
    private readonly waitMs: number,
  ) {}

  /** Resolves with a release function once the tenant has a free slot. */
  acquire(tenantId: string): Promise<() => void> {
    if ((this.running.get(tenantId) ?? 0) < this.perTenant) {
      this.running.set(tenantId, (this.running.get(tenantId) ?? 0) + 1);
      return Promise.resolve(this.releaser(tenantId));
    }
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(tenantId);
      if (!queue) this.queues.set(tenantId, (queue = []));
      const waiter = (release: () => void) => {
        clearTimeout(timer);
        resolve(release);
      };
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(waiter), 1);
        if (queue.length === 0 && this.queues.get(tenantId) === queue) this.queues.delete(tenantId);
        reject(new UnavailableError('This tenant has too much running at once; retry shortly.', 1));
      }, this.waitMs);
      queue.push(waiter);
    });
  }

  /** Work of this tenant running now (for tests and metrics). */
  runningFor(tenantId: string): number {
    return this.running.get(tenantId) ?? 0;
  }

  private releaser(tenantId: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.queues.get(tenantId);
      const next = queue?.shift();
      if (queue && queue.length === 0) this.queues.delete(tenantId);
      // The slot passes straight to the next waiter: the count stays.
      if (next) return next(this.releaser(tenantId));
      const count = (this.running.get(tenantId) ?? 1) - 1;
      if (count > 0) this.running.set(tenantId, count);
      else this.running.delete(tenantId);
    };
  }
}

const slotsByPool = new WeakMap<DataSource, TenantSlots>();

/** Caps every tenant's concurrent units of work on this DataSource (the API's pool). */
export function limitTenantConcurrency(
  dataSource: DataSource,
  perTenant: number,
  waitMs: number,
): TenantSlots {
  const slots = new TenantSlots(perTenant, waitMs);
  slotsByPool.set(dataSource, slots);
  return slots;
}

/** The cap set on this DataSource, if any. */
export function tenantSlotsOf(dataSource: DataSource): TenantSlots | undefined {
  return slotsByPool.get(dataSource);
}
