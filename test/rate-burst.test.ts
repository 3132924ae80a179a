import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config';
import { startTestApi, type GraphqlResponse, type TestApi } from './helpers/api';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { makeTenant } from './helpers/factories';
import { until } from './helpers/poll';

const ME = '{ me { slug } }';
/** `{ me { slug } }` costs 2 points (a point a field). */
const ME_COST = 2;
const codeOf = (res: GraphqlResponse) => res.errors?.[0]?.extensions?.code;

/**
 * Issue 10, bench/abuse: a key's budget per minute could be spent in its first second: the
 * flooder's six largest operations (13 full-day `telemetry` fields each) ran at once, and took
 * the shared cores from other tenants for that second. Each budget is now also spread over
 * windows of RATE_LIMIT_BURST_SECONDS, each admitting its share of the minute's points.
 */
describe('a budget per minute is spread over shorter windows', () => {
  let db: TestDatabase;
  let api: TestApi;

  before(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, {
      limits: {
        ...loadConfig().limits,
        // 300 `{ me }` a minute; windows of 10 s admit 50 each (the largest operation, 20
        // points, fits in one window).
        rateLimitKeyPointsPerMinute: 300 * ME_COST,
        rateLimitTenantPointsPerMinute: 10_000,
        rateLimitIpKeyedPointsPerMinute: 0,
        rateLimitBurstSeconds: 10,
        maxQueryCost: 20,
        rateLimitHoldMs: 0,
      },
    });
  });
  after(async () => {
    await api?.stop();
    await db?.drop();
  });

  it('does not pace refusals: a too-costly operation leaves the window to the work that runs', async () => {
    const tenant = await makeTenant(db.dataSource);
    const to = new Date();
    const from = new Date(to.getTime() - 86_400_000);
    // A full-day telemetry field costs 371 points: over MAX_QUERY_COST (20) and over a window (100).
    const costly = `{ telemetry(endpointId: "00000000-0000-4000-8000-000000000000", from: "${from.toISOString()}", to: "${to.toISOString()}") { latencyP95 } }`;
    const refused = await api.gql(costly, {}, tenant.adminKey);
    assert.equal(refused.errors?.[0]?.extensions?.reason, 'QUERY_TOO_COSTLY');
    // The minute's budget paid for it (600 - 371 left); the window did not.
    assert.deepEqual((await api.gql(ME, {}, tenant.adminKey)).data, { me: { slug: tenant.slug } });
  });

  it("refuses a burst beyond the window's share of the minute, and serves the key again in the next window", async () => {
    const tenant = await makeTenant(db.dataSource);
    let served = 0;
    let refusal: GraphqlResponse | undefined;
    for (let i = 0; i < 300 && !refusal; i++) {
      const res = await api.gql(ME, {}, tenant.adminKey);
      if (codeOf(res) === 'RATE_LIMITED') refusal = res;
      else {
        assert.ok(res.data, JSON.stringify(res));
        served++;
      }
    }
    // A window may begin mid-burst (fixed windows): at most two windows' worth, never the minute's.
    assert.ok(refusal, `${served} served in one burst: the whole minute's budget`);
    assert.ok(served <= 100, `${served} served in one burst, more than two windows' share (50)`);
    assert.equal(refusal.errors![0]!.extensions!.budget, 'key');
    assert.ok(Number(refusal.errors![0]!.extensions!.retryAfter) <= 10);

    // The minute's budget is not spent: the next window serves the key again.
    await until(
      async () => (await api.gql(ME, {}, tenant.adminKey)).data,
      'the key served in the next window',
      30_000,
      500,
    );
  });
});
