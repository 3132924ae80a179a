import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RateLimitedError } from '../src/errors/app-errors';
import { RateLimits, type RateLimitSettings } from '../src/http/rate-limits';
import { queuePrefix, useQueuePrefix } from '../src/jobs/queues';
import { until } from './helpers/poll';

const SETTINGS: RateLimitSettings = {
  rateLimitKeyPointsPerMinute: 60,
  rateLimitTenantPointsPerMinute: 600,
  rateLimitIpPointsPerMinute: 600,
  rateLimitIpKeyedPointsPerMinute: 6000,
  rateLimitBurstSeconds: 10,
  maxQueryCost: 5,
};

/** A payer of its own (a fresh key, tenant and address), so that tests do not share budgets. */
function newPayer() {
  const id = crypto.randomBytes(8).toString('hex');
  return { keyHash: `key-${id}`, tenantId: `tenant-${id}`, address: `10.0.0.${id.length}-${id}` };
}

async function refusalOf(charge: Promise<void>): Promise<RateLimitedError> {
  const err = await charge.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof RateLimitedError, `expected RATE_LIMITED, got ${String(err)}`);
  return err;
}

/**
 * The budgets of src/http/rate-limits.ts against a real Redis: what a charge spends, when it is
 * refused, and that a request's six counters cost one Redis round trip, not six, shared with the
 * charges of requests made meanwhile (issue 11: a call per counter was a tenth of the API's CPU
 * on the request path).
 */
describe('rate limits', () => {
  let redis: Redis;
  let limits: RateLimits;

  before(() => {
    useQueuePrefix(`test-rate-${crypto.randomBytes(4).toString('hex')}`);
    redis = new Redis(process.env.SENTINEL_TEST_REDIS_URL!);
    limits = new RateLimits(redis, SETTINGS);
  });
  after(() => redis.disconnect());

  /** The commands clients sent Redis (not those of scripts) that name the payer's key, during `work`. */
  async function redisCallsDuring(
    payer: { keyHash: string },
    work: () => Promise<unknown>,
  ): Promise<string[][]> {
    // monitor() answers a connection of its own, in monitor mode; both are closed below.
    const watcher = new Redis(process.env.SENTINEL_TEST_REDIS_URL!);
    const monitor = await watcher.monitor();
    const calls: string[][] = [];
    const marker = `charged-${payer.keyHash}`;
    let markerSeen = false;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[1] === marker) markerSeen = true;
      else if (source !== 'lua' && args.some((a) => a.includes(payer.keyHash))) calls.push(args);
    });
    try {
      await work();
      // MONITOR reports commands in the order Redis ran them: once it reports this one, it has
      // reported every command of the work.
      await redis.echo(marker);
      await until(async () => markerSeen, 'the monitor reports the marker');
    } finally {
      monitor.disconnect();
      watcher.disconnect();
    }
    return calls;
  }

  it("spends all of a keyed request's counters in one Redis call", async () => {
    // The first charge a Redis sees loads the script (EVALSHA answers NOSCRIPT, then EVAL).
    await limits.charge(newPayer(), 1);
    const payer = newPayer();
    const calls = await redisCallsDuring(payer, () => limits.charge(payer, 3));
    assert.deepEqual(
      calls.map((args) => args[0]),
      ['evalsha'],
      JSON.stringify(calls),
    );
    const prefix = `${queuePrefix()}:rate`;
    // Key, tenant and keyed address, each per minute and per 10 s window.
    for (const key of [
      `${prefix}:key:${payer.keyHash}`,
      `${prefix}:key:10s:${payer.keyHash}`,
      `${prefix}:tenant:${payer.tenantId}`,
      `${prefix}:tenant:10s:${payer.tenantId}`,
      `${prefix}:ip-keyed:${payer.address}`,
      `${prefix}:ip-keyed:10s:${payer.address}`,
    ])
      assert.ok(calls[0]!.includes(key), `${key} in ${JSON.stringify(calls[0])}`);
    assert.equal(await redis.get(`${prefix}:key:${payer.keyHash}`), '3');
    const ttl = await redis.pttl(`${prefix}:key:10s:${payer.keyHash}`);
    assert.ok(ttl > 0 && ttl <= 10_000, `the window's counter expires with it (${ttl} ms)`);
  });

  it("refuses once a window's points are spent, naming the budget and when it refills", async () => {
    const payer = newPayer();
    // The key's 10 s window holds 60 * 10 / 60 = 10 points.
    await limits.charge(payer, 5);
    await limits.charge(payer, 5);
    const refusal = await refusalOf(limits.charge(payer, 1));
    assert.equal(refusal.details?.budget, 'key');
    assert.ok(refusal.retryAfter > 0 && refusal.retryAfter <= 10, `${refusal.retryAfter} s`);
    // Known spent on this instance: refused without a charge.
    assert.throws(() => limits.assertBudgetLeft(payer), RateLimitedError);
    // Another key of the same tenant is not refused: the tenant's budget has room.
    await limits.charge({ ...newPayer(), tenantId: payer.tenantId }, 1);
  });

  it('charges a refused operation to the per-minute budgets only', async () => {
    const payer = newPayer();
    // 40 points refused: over the 10 s window (10), not over the minute (60).
    await limits.charge(payer, 40, false);
    const prefix = `${queuePrefix()}:rate`;
    assert.equal(await redis.get(`${prefix}:key:${payer.keyHash}`), '40');
    assert.equal(await redis.get(`${prefix}:key:10s:${payer.keyHash}`), null);
    await limits.charge(payer, 5); // the window is untouched
    await refusalOf(limits.charge(payer, 30, false)); // the minute: 75 of 60
  });

  it('charges made while a call is in flight share the next call', async () => {
    await limits.charge(newPayer(), 1); // the script is loaded
    const payer = newPayer();
    const calls = await redisCallsDuring(payer, () =>
      // The first goes out alone; the other 30 are made while it is in flight.
      Promise.all(Array.from({ length: 31 }, () => limits.charge({ ...payer }, 0.1, false))),
    );
    assert.deepEqual(
      calls.map((args) => args[0]),
      ['evalsha', 'evalsha'],
      `two calls for 31 charges: ${JSON.stringify(calls.map((c) => c.length))}`,
    );
    // Every charge was counted: 31 points of the key's minute.
    assert.equal(await redis.get(`${queuePrefix()}:rate:key:${payer.keyHash}`), '31');
  });

  it('refuses exactly the charges past the limit when a budget runs out within a shared call', async () => {
    await limits.charge(newPayer(), 1);
    const payer = newPayer();
    // The key's 10 s window holds 10 points: of 31 one-point charges made at once, the first 10
    // (in the order they were made) pass and the other 21 are refused, as if made one by one.
    const outcomes = await Promise.all(
      Array.from({ length: 31 }, () =>
        limits.charge({ ...payer }, 1).then(
          () => 'ok',
          (err: unknown) =>
            err instanceof RateLimitedError ? String(err.details?.budget) : 'other',
        ),
      ),
    );
    assert.deepEqual(outcomes, [...Array(10).fill('ok'), ...Array(21).fill('key')]);
    assert.equal(await redis.get(`${queuePrefix()}:rate:key:10s:${payer.keyHash}`), '31');
  });

  it('keeps the same budgets in memory while Redis cannot be reached', async () => {
    const unreachable = new Redis({
      port: 1, // nothing listens there
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      const offline = new RateLimits(unreachable, SETTINGS);
      const payer = newPayer();
      await offline.charge(payer, 10);
      const refusal = await refusalOf(offline.charge(payer, 1));
      assert.equal(refusal.details?.budget, 'key');
    } finally {
      unreachable.disconnect();
    }
  });
  it(
    'counts in memory when Redis accepts the connection but never answers, and no charge waits for good',
    {
      timeout: 30_000,
    },
    async () => {
      // A black hole: it takes the connection and reads the commands, and answers nothing (a
      // stalled Redis, or a half-open socket), so no error ever comes back by itself.
      const sockets = new Set<net.Socket>();
      const hole = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('data', () => undefined);
      });
      await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
      const stalled = new Redis({
        port: (hole.address() as net.AddressInfo).port,
        host: '127.0.0.1',
        retryStrategy: () => null,
      });
      try {
        const limits = new RateLimits(stalled, SETTINGS);
        const payer = newPayer();
        // One charge in flight and eleven behind it: all settle, counted in memory, where the
        // key's 10-second window holds 10 points (60 a minute over 10-second bursts).
        const outcomes = await Promise.all(
          Array.from({ length: 12 }, () =>
            limits.charge({ ...payer }, 1).then(
              () => 'ok',
              (err: unknown) =>
                err instanceof RateLimitedError ? String(err.details?.budget) : String(err),
            ),
          ),
        );
        assert.deepEqual(outcomes, [...Array(10).fill('ok'), 'key', 'key']);
      } finally {
        stalled.disconnect();
        for (const socket of sockets) socket.destroy();
        hole.close();
      }
    },
  );
});
