import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openApiQueues } from '../src/jobs/api-queues';
import { requestTraining } from '../src/training/training-jobs';
import type { TrainingRequest } from '../src/training/training-events';
import {
  startTestApi,
  useApiFixture,
  wsRequest,
  type GraphqlResponse,
  type TestApi,
} from './helpers/api';
import { CREATE_ENDPOINT, endpointInput, makeTenant } from './helpers/factories';

const codeOf = (res: GraphqlResponse) => res.errors?.[0]?.extensions?.code;
const reasonOf = (res: GraphqlResponse) => res.errors?.[0]?.extensions?.reason;

/** Issue 10, High 4: what a request costs follows the work it causes. */
describe('cost, rate limits and fair queues', () => {
  const fx = useApiFixture();

  async function endpointId(): Promise<string> {
    const res = await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput() },
      fx.tenant.adminKey,
    );
    return res.data!.createEndpoint.id;
  }

  async function withApi<T>(
    overrides: Partial<TestApi['config']['limits']>,
    work: (api: TestApi) => Promise<T>,
  ): Promise<T> {
    const api = await startTestApi(fx.db, { limits: { ...fx.api.config.limits, ...overrides } });
    try {
      return await work(api);
    } finally {
      await api.stop();
    }
  }

  it('refuses an alias flood of full-day telemetry before executing it', async () => {
    const id = await endpointId();
    const to = new Date();
    const from = new Date(to.getTime() - 86_400_000);
    const fields = Array.from(
      { length: 20 },
      (_, i) =>
        `t${i}: telemetry(endpointId: "${id}", from: "${from.toISOString()}", to: "${to.toISOString()}") { latencyP95 }`,
    );
    const res = await fx.api.gql(`{ ${fields.join(' ')} }`, {}, fx.tenant.adminKey);
    assert.equal(codeOf(res), 'BAD_USER_INPUT');
    assert.equal(reasonOf(res), 'QUERY_TOO_COSTLY');
    // One such field is a normal dashboard request.
    const one = await fx.api.gql(`{ ${fields[0]} }`, {}, fx.tenant.adminKey);
    assert.equal(one.errors, undefined);
  });

  it('refuses an alias flood before validating it, on HTTP and WebSocket', async () => {
    const aliased = `{ ${Array.from({ length: 620 }, (_, i) => `m${i}: me { slug }`).join(' ')} }`;
    const http = await fx.api.gql(aliased, {}, fx.tenant.adminKey);
    assert.equal(http.status, 400);
    assert.equal(reasonOf(http), 'TOO_MANY_ALIASES');
    const client = fx.api.wsClient(fx.tenant.adminKey);
    try {
      const ws = await wsRequest(client, aliased);
      assert.equal(reasonOf(ws), 'TOO_MANY_ALIASES');
    } finally {
      await client.dispose();
    }
  });

  it('answers a spent key with 429 before parsing its next request', async () => {
    await withApi({ rateLimitKeyPointsPerMinute: 150 }, async (api) => {
      const aliased = `{ ${Array.from({ length: 60 }, (_, i) => `m${i}: me { slug }`).join(' ')} }`;
      // Each refusal costs 100 points: the second spends the budget, the third is turned away.
      const reasons: unknown[] = [];
      let limited: GraphqlResponse | undefined;
      for (let i = 0; i < 4 && !limited; i++) {
        const res = await api.gql(aliased, {}, fx.tenant.adminKey);
        reasons.push(reasonOf(res) ?? codeOf(res));
        if (codeOf(res) === 'RATE_LIMITED') limited = res;
      }
      assert.ok(limited, `never rate-limited: ${reasons.join(', ')}`);
      assert.equal(limited.status, 429);
    });
  });

  it('caps forecasts (each a worker job) per request', async () => {
    const id = await endpointId();
    const to = new Date();
    const from = new Date(to.getTime() - 3_600_000);
    const fields = Array.from(
      { length: 3 },
      (_, i) =>
        `f${i}: forecast(endpointId: "${id}", from: "${from.toISOString()}", to: "${to.toISOString()}") { threshold }`,
    );
    const res = await fx.api.gql(`{ ${fields.join(' ')} }`, {}, fx.tenant.adminKey);
    assert.equal(reasonOf(res), 'QUERY_TOO_COSTLY');
    assert.match(res.errors![0]!.message, /forecasts per request/);
  });

  it('charges the keyless statusPage to the caller’s address: 429 RATE_LIMITED with Retry-After', async () => {
    await withApi({ rateLimitIpPointsPerMinute: 250 }, async (api) => {
      const ask = () =>
        fetch(`${api.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ statusPage(slug: "tenant0") { name } }' }),
        });
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < 5 && !limited; i++) {
        const res = await ask();
        statuses.push(res.status);
        if (res.status === 429) limited = res;
      }
      assert.ok(limited, `no 429 among ${statuses.join(', ')}`);
      assert.ok(statuses.length <= 3, 'two pages (100 points each) fit, the third does not');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      const body = (await limited.json()) as GraphqlResponse;
      assert.equal(codeOf(body), 'RATE_LIMITED');
    });
  });

  it('charges /status pages (HTML, no key) to the same address budget', async () => {
    await withApi({ rateLimitIpPointsPerMinute: 250 }, async (api) => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${api.url}/status`)).status);
      // The address may have spent part of its budget in an earlier test (same minute).
      assert.ok(statuses.includes(429), `statuses: ${statuses.join(', ')}`);
      assert.ok(statuses.every((s) => s === 200 || s === 429));
    });
  });

  it('limits each key on its own: one key spent, another tenant’s key still served', async () => {
    await withApi(
      { rateLimitKeyPointsPerMinute: 20, rateLimitIpPointsPerMinute: 100_000 },
      async (api) => {
        let limited: GraphqlResponse | undefined;
        for (let i = 0; i < 25 && !limited; i++) {
          const res = await api.gql('{ me { slug } }', {}, fx.tenant.adminKey);
          if (codeOf(res) === 'RATE_LIMITED') limited = res;
        }
        assert.ok(limited, 'the key ran out of points');
        assert.equal(limited.status, 429);
        const other = await makeTenant(fx.db.dataSource);
        const res = await api.gql<{ me: { slug: string } }>('{ me { slug } }', {}, other.adminKey);
        assert.equal(res.data?.me.slug, other.slug);
      },
    );
  });

  it('refuses answers larger than the response cap', async () => {
    await withApi({ maxResponseBytes: 2000 }, async (api) => {
      const res = await api.gql('{ __schema { types { name description } } }', {});
      assert.equal(res.status, 400);
      assert.equal(reasonOf(res), 'RESPONSE_TOO_LARGE');
    });
  });

  it('stops an operation past its execution deadline', async () => {
    await withApi({ executionTimeoutMs: 0 }, async (api) => {
      const res = await api.gql('{ me { slug } }', {}, fx.tenant.adminKey);
      assert.equal(reasonOf(res), 'EXECUTION_TIMEOUT');
    });
  });

  it('caps a tenant’s waiting training jobs and lets another tenant’s job go before its later ones', async () => {
    const queues = openApiQueues(fx.db.redisUrl);
    // GLOBAL skips the telemetry check: this is about the queue, not the data.
    const request: TrainingRequest = {
      scope: 'GLOBAL',
      horizonMinutes: 15,
      epochs: 1,
      windowDays: 2,
      endpointIds: null,
      seed: null,
      autoPromote: false,
    };
    const busy = await makeTenant(fx.db.dataSource);
    const quiet = await makeTenant(fx.db.dataSource);
    try {
      const own: string[] = [];
      for (let i = 0; i < 3; i++)
        own.push((await requestTraining(fx.db.dataSource, queues.training, busy.id, request)).id);
      await assert.rejects(
        requestTraining(fx.db.dataSource, queues.training, busy.id, request),
        (err: { code?: string; details?: { reason?: string } }) =>
          err.code === 'RATE_LIMITED' && err.details?.reason === 'TRAINING_QUEUE_FULL',
      );
      const other = (await requestTraining(fx.db.dataSource, queues.training, quiet.id, request))
        .id;
      // getWaiting lists jobs in the order workers will take them.
      const waiting = (await queues.training.getWaiting()).map((job) => String(job.id));
      const next = waiting.filter((id) => [...own, other].includes(id));
      assert.ok(
        next.indexOf(other) < next.indexOf(own[1]!),
        'the other tenant’s first job runs before the busy tenant’s second',
      );
    } finally {
      await queues.training.empty();
      await queues.close();
    }
  });

  it('measures a repeated operation with each request’s own variables', async () => {
    // A tenant of its own: refusals spend its key's budget.
    const tenant = await makeTenant(fx.db.dataSource);
    const page = 'query Page($n: Int!) { endpoints(first: $n) { edges { node { id } } } }';
    const ask = (n: number) => fx.api.gql(page, { n }, tenant.adminKey);
    // The cost of a document, operation and variables is remembered (src/http/graphql-http.ts):
    // another page size must still be measured on its own, before and after.
    assert.equal((await ask(10)).errors, undefined);
    assert.equal((await ask(10)).errors, undefined);
    const costly = await ask(2000); // 1 + 3 × 2000 points > MAX_QUERY_COST (5000)
    assert.equal(reasonOf(costly), 'QUERY_TOO_COSTLY');
    assert.equal(reasonOf(await ask(2000)), 'QUERY_TOO_COSTLY');
    assert.equal((await ask(10)).errors, undefined);
  });

  it('charges a remembered operation’s cost on every request', async () => {
    await withApi({ rateLimitKeyPointsPerMinute: 100 }, async (api) => {
      const tenant = await makeTenant(fx.db.dataSource);
      const page = 'query Page($n: Int!) { endpoints(first: $n) { edges { node { id } } } }';
      const statuses: number[] = [];
      // 1 + 3 × 10 = 31 points a request: three fit in 100, the fourth does not.
      for (let i = 0; i < 4; i++)
        statuses.push((await api.gql(page, { n: 10 }, tenant.adminKey)).status);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
    });
  });
});
