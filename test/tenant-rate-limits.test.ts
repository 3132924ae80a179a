import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type Config } from '../src/config/config';
import { startTestApi, wsRequest, type GraphqlResponse, type TestApi } from './helpers/api';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { makeTenant } from './helpers/factories';

const ME = '{ me { slug } }';
/** `{ me { slug } }` costs 2 points (a point a field). */
const ME_COST = 2;
const codeOf = (res: GraphqlResponse) => res.errors?.[0]?.extensions?.code;

/**
 * Issue 10, hardening: budgets were per key only, so a tenant could multiply its budget by
 * creating keys (an admin key may create any number), and one address could do the same with
 * keys of several tenants. Each test starts two API instances on one Redis: the budgets must
 * hold across them.
 */
describe('rate budgets per tenant and per address, across API instances', () => {
  let db: TestDatabase;
  const running: TestApi[] = [];

  /** Two instances with these limits (the keyed address budget off unless given). */
  const twoApis = async (limits: Partial<Config['limits']>): Promise<[TestApi, TestApi]> => {
    const all = { ...loadConfig().limits, rateLimitIpKeyedPointsPerMinute: 0, ...limits };
    const pair: [TestApi, TestApi] = [
      await startTestApi(db, { limits: all }),
      await startTestApi(db, { limits: all }),
    ];
    running.push(...pair);
    return pair;
  };

  /** Sends `{ me }` round robin over keys and instances until every key is refused. */
  const spend = async (apis: TestApi[], keys: string[], max: number) => {
    let served = 0;
    const refusals: GraphqlResponse[] = [];
    for (let i = 0; i < max; i++) {
      const api = apis[i % apis.length]!;
      const res = await api.gql(ME, {}, keys[i % keys.length]);
      if (codeOf(res) === 'RATE_LIMITED') {
        assert.equal(res.status, 429);
        refusals.push(res);
        if (refusals.length >= keys.length) break;
      } else {
        assert.ok(res.data, JSON.stringify(res));
        served++;
      }
    }
    return { served, refusals };
  };

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const api of running) await api.stop();
    await db?.drop();
  });

  it('a tenant with five keys gets its tenant budget, not five key budgets; another tenant is unaffected', async () => {
    // Alone, each key could do 15 operations (75 for five); the tenant may do 30 in all.
    const apis = await twoApis({
      rateLimitKeyPointsPerMinute: 15 * ME_COST,
      rateLimitTenantPointsPerMinute: 30 * ME_COST,
    });
    const greedy = await makeTenant(db.dataSource);
    const keys = [greedy.adminKey];
    for (let i = 0; i < 4; i++) keys.push(await greedy.key('read'));

    const { served, refusals } = await spend(apis, keys, 200);
    assert.ok(served <= 30, `${served} operations served for a budget of 30`);
    assert.ok(served >= 25, `only ${served} served: the budget is the tenant's, not less`);
    assert.ok(refusals.every((r) => r.errors![0]!.extensions!.budget === 'tenant'));
    assert.ok(refusals.every((r) => Number(r.errors![0]!.extensions!.retryAfter) >= 1));

    // A sixth key, new to both instances, and the tenant's WebSocket draw on the same budget.
    const fresh = await greedy.key('read');
    for (const api of apis) assert.equal(codeOf(await api.gql(ME, {}, fresh)), 'RATE_LIMITED');
    const socket = apis[1].wsClient(fresh);
    try {
      assert.equal(codeOf(await wsRequest(socket, ME)), 'RATE_LIMITED');
    } finally {
      await socket.dispose();
    }

    // Another tenant, same instances, same minute: its own budget.
    const bystander = await makeTenant(db.dataSource);
    for (const api of apis)
      assert.deepEqual((await api.gql(ME, {}, bystander.adminKey)).data, {
        me: { slug: bystander.slug },
      });
  });

  it('keeps the per-key budget inside the tenant budget', async () => {
    const apis = await twoApis({
      rateLimitKeyPointsPerMinute: 10 * ME_COST,
      rateLimitTenantPointsPerMinute: 1000,
    });
    const tenant = await makeTenant(db.dataSource);
    const { served, refusals } = await spend(apis, [tenant.adminKey], 50);
    assert.ok(served <= 10 && served >= 8, `${served} served for a key budget of 10`);
    assert.equal(refusals[0]!.errors![0]!.extensions!.budget, 'key');
    // The tenant's other key still has its own budget.
    const second = await tenant.key('read');
    assert.ok((await apis[0].gql(ME, {}, second)).data);
  });

  it('bounds what one client address does with keys of several tenants', async () => {
    const apis = await twoApis({
      rateLimitKeyPointsPerMinute: 1000,
      rateLimitTenantPointsPerMinute: 1000,
      rateLimitIpKeyedPointsPerMinute: 20 * ME_COST,
    });
    const tenants = await Promise.all([1, 2, 3].map(() => makeTenant(db.dataSource)));
    const { served, refusals } = await spend(
      apis,
      tenants.map((t) => t.adminKey),
      200,
    );
    // Earlier tests of this file spent from the same address budget: never more than 20.
    assert.ok(served <= 20, `${served} served for an address budget of 20`);
    assert.ok(refusals.length > 0);
    assert.equal(refusals[0]!.errors![0]!.extensions!.budget, 'address');
  });
});
