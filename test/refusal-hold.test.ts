import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config';
import { refusalsHeld } from '../src/http/refusal-hold';
import { startTestApi, type TestApi } from './helpers/api';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { makeTenant } from './helpers/factories';
import { until } from './helpers/poll';

const ME = '{ me { slug } }';
/** `{ me { slug } }` costs 2 points (a point a field). */
const ME_COST = 2;
const MAX_HELD = 6;

const heldNow = async () => (await refusalsHeld.get()).values[0]?.value ?? 0;

/**
 * Issue 10, bench/abuse: a key whose budget was spent kept four connections busy retrying the
 * moment each 429 arrived, 200-300 refusals a second, each a new TCP connection, a log line and
 * CPU taken from other tenants on the same cores. Refusals to a spent budget are now held
 * (RATE_LIMIT_HOLD_MS) before they are sent, at most RATE_LIMIT_MAX_HELD at once, so such a
 * client is slowed to one request per connection per hold. Asserted on what the server holds,
 * not on times.
 */
describe('refusals to a spent budget are held back', () => {
  let db: TestDatabase;
  let api: TestApi;

  before(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, {
      limits: {
        ...loadConfig().limits,
        rateLimitKeyPointsPerMinute: 2 * ME_COST,
        rateLimitIpKeyedPointsPerMinute: 0,
        rateLimitHoldMs: 5000,
        rateLimitMaxHeld: MAX_HELD,
      },
    });
  });
  after(async () => {
    await api?.stop();
    await db?.drop();
  });

  const post = (key: string, signal?: AbortSignal) =>
    fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: ME }),
      signal,
    });

  it('holds a flood of refusals up to the cap, answers the rest at once, and serves others meanwhile', async () => {
    const flooder = await makeTenant(db.dataSource);
    // Spend the key: two served, the third refused (and remembered as spent by this instance).
    const spending = [];
    for (let i = 0; i < 3; i++) spending.push((await api.gql(ME, {}, flooder.adminKey)).status);
    assert.deepEqual(spending, [200, 200, 429]);

    let answered = 0;
    const flood = Array.from({ length: MAX_HELD + 4 }, () =>
      post(flooder.adminKey).then((res) => {
        answered++;
        return res;
      }),
    );
    // The cap's worth are held; the four beyond it are answered without waiting.
    await until(
      async () => (await heldNow()) === MAX_HELD && answered === 4,
      `${MAX_HELD} refusals held and 4 answered`,
      30_000,
      10,
    );
    // Another tenant is served while the flooder's refusals wait.
    const bystander = await makeTenant(db.dataSource);
    assert.deepEqual((await api.gql(ME, {}, bystander.adminKey)).data, {
      me: { slug: bystander.slug },
    });
    assert.equal(await heldNow(), MAX_HELD, 'the held refusals were still held');
    assert.equal(answered, 4);

    for (const res of await Promise.all(flood)) {
      assert.equal(res.status, 429);
      const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
      assert.equal(body.errors[0]!.extensions.code, 'RATE_LIMITED');
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
    }
    assert.equal(await heldNow(), 0);
  });

  it('frees a held place when its client goes away', async () => {
    const flooder = await makeTenant(db.dataSource);
    for (let i = 0; i < 3; i++) await api.gql(ME, {}, flooder.adminKey);
    const aborts = [1, 2, 3].map(() => new AbortController());
    const flood = aborts.map((a) => post(flooder.adminKey, a.signal).catch(() => 'aborted'));
    await until(async () => (await heldNow()) === 3, 'three refusals held', 30_000, 10);
    aborts[0]!.abort();
    aborts[1]!.abort();
    await until(async () => (await heldNow()) === 1, 'two places freed', 30_000, 10);
    aborts[2]!.abort();
    assert.deepEqual(await Promise.all(flood), ['aborted', 'aborted', 'aborted']);
    await until(async () => (await heldNow()) === 0, 'every place freed', 30_000, 10);
  });
});
