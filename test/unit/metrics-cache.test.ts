import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricsCache } from '../../src/http/tenant-metrics';

describe('MetricsCache (tenant metrics answers)', () => {
  it('reuses an answer within the TTL, serves it once stale while refreshing, waits when old', async () => {
    let now = 0;
    let computed = 0;
    const cache = new MetricsCache(30_000, () => now);
    const compute = async () => `answer ${++computed}`;
    assert.equal(await cache.get('a', compute), 'answer 1');
    now = 29_000;
    assert.equal(await cache.get('a', compute), 'answer 1');
    assert.equal(computed, 1);
    now = 31_000; // stale: the old answer now, a new one computed behind it
    assert.equal(await cache.get('a', compute), 'answer 1');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(computed, 2);
    assert.equal(await cache.get('a', compute), 'answer 2');
    now = 31_000 + 4 * 30_000; // too old to serve: the caller waits for a fresh one
    assert.equal(await cache.get('a', compute), 'answer 3');
  });

  it('keeps tenants apart and forgets failures', async () => {
    const cache = new MetricsCache(30_000, () => 0);
    assert.equal(await cache.get('a', async () => 'a'), 'a');
    assert.equal(await cache.get('b', async () => 'b'), 'b');
    await assert.rejects(cache.get('c', async () => Promise.reject(new Error('down'))));
    assert.equal(await cache.get('c', async () => 'c'), 'c');
  });
});
