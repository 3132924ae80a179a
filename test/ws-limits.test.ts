import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../src/config/config';
import { riskChannel } from '../src/scoring/risk-events';
import { startTestApi, wsRequest, type GraphqlResponse, type TestApi } from './helpers/api';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { CREATE_ENDPOINT, endpointInput, makeTenant, type TestTenant } from './helpers/factories';
import { until } from './helpers/poll';
import { streamSubscription } from './helpers/ws-stream';

const reasonOf = (res: GraphqlResponse) => res.errors?.[0]?.extensions?.reason;
const codeOf = (res: GraphqlResponse) => res.errors?.[0]?.extensions?.code;
const ME = '{ me { slug } }';
const RISK = (fields: string) =>
  `subscription($id: ID!) { riskChanged(endpointId: $id) { ${fields} } }`;

/**
 * Issue 10: the controls HTTP has hold over graphql-ws too. A costly operation sent over a socket
 * ran without an execution deadline; answers and subscription events had no size cap; refused
 * documents spent no budget.
 */
describe('WebSocket operations under the HTTP controls', () => {
  let db: TestDatabase;
  let tenant: TestTenant;
  let other: TestTenant;
  let endpointId: string;
  let redis: Redis;
  const apis: TestApi[] = [];

  const api = async (limits: Partial<Config['limits']>): Promise<TestApi> => {
    const running = await startTestApi(db, { limits: { ...loadConfig().limits, ...limits } });
    apis.push(running);
    return running;
  };

  /** Publishes risk events until the subscription has one (it may not be listening yet). */
  const publishUntil = async (received: () => boolean) => {
    const event = {
      endpointId,
      minute: new Date().toISOString(),
      probability: 0.9,
      threshold: 0.5,
      aboveThreshold: true,
      horizonMinutes: 15,
      modelId: '00000000-0000-0000-0000-000000000001',
      modelVersion: 1,
    };
    await until(async () => {
      await redis.publish(riskChannel(endpointId), JSON.stringify(event));
      return received();
    }, 'a risk event over the socket');
  };

  before(async () => {
    db = await createTestDatabase();
    tenant = await makeTenant(db.dataSource);
    other = await makeTenant(db.dataSource);
    redis = new Redis(db.redisUrl);
    const setup = await api({});
    const created = await setup.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput() },
      tenant.adminKey,
    );
    endpointId = created.data!.createEndpoint.id;
  });
  after(async () => {
    for (const running of apis) await running.stop();
    redis?.disconnect();
    await db?.drop();
  });

  it('answers a query stuck past its deadline with EXECUTION_TIMEOUT; the socket and other tenants go on', async () => {
    const running = await api({ executionTimeoutMs: 300 });
    const attacker = running.wsClient(tenant.adminKey);
    const bystander = running.wsClient(other.adminKey);
    // The attacker's query waits on a lock (as on a slow scan or a busy pool) for as long as the
    // test holds it: only the deadline can answer it.
    const locker = new Client({ connectionString: db.ownerUrl });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table endpoints in access exclusive mode');
      const slow = await wsRequest(attacker, '{ endpoints { edges { node { id name } } } }');
      assert.equal(codeOf(slow), 'BAD_USER_INPUT', JSON.stringify(slow));
      assert.equal(reasonOf(slow), 'EXECUTION_TIMEOUT');
      assert.equal(slow.data, undefined);
      // Still under the lock: the same socket and another tenant's are served.
      assert.deepEqual((await wsRequest(attacker, ME)).data, { me: { slug: tenant.slug } });
      assert.deepEqual((await wsRequest(bystander, ME)).data, { me: { slug: other.slug } });
    } finally {
      await locker.query('rollback');
      await locker.end();
      await attacker.dispose();
      await bystander.dispose();
    }
  });

  it('stops queries and mutations whose fields start after the deadline, without writing', async () => {
    const running = await api({ executionTimeoutMs: 0 });
    const client = running.wsClient(tenant.adminKey);
    try {
      assert.equal(reasonOf(await wsRequest(client, ME)), 'EXECUTION_TIMEOUT');
      const created = await wsRequest(client, CREATE_ENDPOINT, {
        input: endpointInput({ name: 'never-written' }),
      });
      assert.equal(reasonOf(created), 'EXECUTION_TIMEOUT');
    } finally {
      await client.dispose();
    }
    const setup = apis[0]!;
    const listed = await setup.gql<{ endpoints: { edges: Array<{ node: { name: string } }> } }>(
      '{ endpoints { edges { node { name } } } }',
      {},
      tenant.adminKey,
    );
    assert.ok(listed.data, JSON.stringify(listed));
    assert.ok(!listed.data.endpoints.edges.some((e) => e.node.name === 'never-written'));
  });

  it('caps running subscriptions per connection, and frees a place when one completes', async () => {
    const capped = await api({ maxSubscriptionsPerSocket: 2 });
    const client = capped.wsClient(tenant.adminKey);
    const subscribe = () =>
      streamSubscription<{ probability: number }>(
        client,
        RISK('probability'),
        { id: endpointId },
        'riskChanged',
      );
    try {
      const first = subscribe();
      const second = subscribe();
      await publishUntil(() => first.events.length > 0 && second.events.length > 0);
      const third = subscribe();
      const outcome = await Promise.race([
        third.done.then(
          () => 'completed' as const,
          (errors: unknown) => errors,
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 10_000)),
      ]);
      assert.ok(Array.isArray(outcome), `the third subscription was ${String(outcome)}`);
      const refusal = outcome as Array<{ extensions?: { code?: string; reason?: string } }>;
      assert.equal(refusal[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(refusal[0]?.extensions?.reason, 'TOO_MANY_SUBSCRIPTIONS');
      // A completed subscription gives its place back (the server hears the completion shortly).
      first.stop();
      await until(async () => {
        const again = subscribe();
        const outcome = await Promise.race([
          again.done.then(
            () => 'completed',
            () => 'refused',
          ),
          new Promise((resolve) => setTimeout(() => resolve('running'), 300)),
        ]);
        if (outcome !== 'running') return false;
        await publishUntil(() => again.events.length > 0);
        again.stop();
        return true;
      }, 'a fourth subscription after the first completed');
      second.stop();
    } finally {
      await client.dispose();
    }
  });

  it('gives each subscription event a deadline of its own', async () => {
    // An event long after subscribing is served: the deadline is the event's, not the socket's.
    const patient = await api({ executionTimeoutMs: 1000 });
    const client = patient.wsClient(tenant.adminKey);
    try {
      const stream = streamSubscription<{ probability: number }>(
        client,
        RISK('probability'),
        { id: endpointId },
        'riskChanged',
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await publishUntil(() => stream.events.length > 0);
      assert.equal(stream.events[0]!.probability, 0.9);
      stream.stop();
    } finally {
      await client.dispose();
    }
    // And an event whose execution starts past its deadline is refused, not executed.
    const strict = await api({ executionTimeoutMs: 0 });
    const strictClient = strict.wsClient(tenant.adminKey);
    try {
      const stream = streamSubscription(
        strictClient,
        RISK('probability'),
        { id: endpointId },
        'riskChanged',
      );
      let failure: unknown;
      stream.done.catch((errors: unknown) => (failure = errors));
      await publishUntil(() => failure !== undefined);
      const errors = failure as GraphqlResponse['errors'];
      assert.equal(errors?.[0]?.extensions?.reason, 'EXECUTION_TIMEOUT', JSON.stringify(failure));
    } finally {
      await strictClient.dispose();
    }
  });

  it('caps the size of answers and of each subscription event', async () => {
    const running = await api({ maxResponseBytes: 150 });
    const client = running.wsClient(tenant.adminKey);
    try {
      const big = await wsRequest(client, '{ __schema { types { name description } } }');
      assert.equal(reasonOf(big), 'RESPONSE_TOO_LARGE', JSON.stringify(big));
      assert.equal(big.data, undefined);
      assert.deepEqual((await wsRequest(client, ME)).data, { me: { slug: tenant.slug } });

      const small = streamSubscription<{ probability: number }>(
        client,
        RISK('probability'),
        { id: endpointId },
        'riskChanged',
      );
      const large = streamSubscription(
        client,
        RISK(
          'endpointId minute probability threshold aboveThreshold horizonMinutes modelId modelVersion',
        ),
        { id: endpointId },
        'riskChanged',
      );
      let refusal: unknown;
      large.done.catch((errors: unknown) => (refusal = errors));
      await publishUntil(() => small.events.length > 0 && refusal !== undefined);
      const errors = refusal as GraphqlResponse['errors'];
      assert.equal(errors?.[0]?.extensions?.reason, 'RESPONSE_TOO_LARGE');
      assert.equal(small.events[0]!.probability, 0.9);
      small.stop();
    } finally {
      await client.dispose();
    }
  });

  it('charges refused documents to the key and refuses a spent key before parsing', async () => {
    const running = await api({ rateLimitKeyPointsPerMinute: 150 });
    const key = await tenant.key('read');
    const client = running.wsClient(key);
    const aliased = `{ ${Array.from({ length: 60 }, (_, i) => `m${i}: me { slug }`).join(' ')} }`;
    try {
      const reasons: unknown[] = [];
      let limited: GraphqlResponse | undefined;
      for (let i = 0; i < 4 && !limited; i++) {
        const res = await wsRequest(client, aliased);
        reasons.push(reasonOf(res) ?? codeOf(res));
        if (codeOf(res) === 'RATE_LIMITED') limited = res;
      }
      // Each refusal costs 100 points: the second spends the budget, the third is turned away.
      assert.deepEqual(reasons, ['TOO_MANY_ALIASES', 'TOO_MANY_ALIASES', 'RATE_LIMITED']);
      assert.ok(Number(limited!.errors![0]!.extensions!.retryAfter) >= 1);
      // A well-formed query is refused as well now, and another tenant is served.
      assert.equal(codeOf(await wsRequest(client, ME)), 'RATE_LIMITED');
      const bystander = running.wsClient(other.adminKey);
      try {
        assert.deepEqual((await wsRequest(bystander, ME)).data, { me: { slug: other.slug } });
      } finally {
        await bystander.dispose();
      }
    } finally {
      await client.dispose();
    }
  });

  it('charges an operation refused as too costly what it asked for', async () => {
    const running = await api({ rateLimitKeyPointsPerMinute: 1000, maxQueryCost: 500 });
    const key = await tenant.key('read');
    const client = running.wsClient(key);
    try {
      const costly = await wsRequest(
        client,
        '{ endpoints(first: 100) { edges { node { id name url method timeoutMs } } } }',
      );
      assert.equal(reasonOf(costly), 'QUERY_TOO_COSTLY');
      // Its cost (over 500) came out of the key's 1000 points: a second one leaves none.
      const second = await wsRequest(
        client,
        '{ endpoints(first: 100) { edges { node { id name url method timeoutMs } } } }',
      );
      assert.equal(codeOf(second), 'RATE_LIMITED', JSON.stringify(second));
    } finally {
      await client.dispose();
    }
  });
});
