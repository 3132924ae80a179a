import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TenantSlots } from '../../src/tenancy/tenant-slots';

const A = 'tenant-a';
const B = 'tenant-b';

/** Issue 10: one tenant's burst must not take every pooled connection. */
describe('tenant slots', () => {
  it('lets a tenant run its share at once, queues the rest in order, never holds others back', async () => {
    const slots = new TenantSlots(2, 60_000);
    const first = await slots.acquire(A);
    const second = await slots.acquire(A);
    const order: number[] = [];
    const third = slots.acquire(A).then((release) => (order.push(3), release));
    const fourth = slots.acquire(A).then((release) => (order.push(4), release));
    // Another tenant is not behind A's queue.
    const other = await slots.acquire(B);
    assert.equal(slots.runningFor(A), 2);
    first();
    first(); // a second release of the same slot changes nothing
    const releaseThird = await third;
    assert.deepEqual(order, [3]);
    assert.equal(slots.runningFor(A), 2);
    second();
    (await fourth)();
    releaseThird();
    other();
    assert.deepEqual(order, [3, 4]);
    assert.equal(slots.runningFor(A), 0);
    assert.equal(slots.runningFor(B), 0);
  });

  it('refuses with a retryable 503 after waiting its limit, and forgets the waiter', async () => {
    const slots = new TenantSlots(1, 20);
    const held = await slots.acquire(A);
    await assert.rejects(
      slots.acquire(A),
      (err: { code?: string; httpStatus?: number }) =>
        err.code === 'SERVICE_UNAVAILABLE' && err.httpStatus === 503,
    );
    held();
    assert.equal(slots.runningFor(A), 0, 'the slot was not handed to the waiter that left');
    (await slots.acquire(A))();
  });
});
