import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { CREATE_ENDPOINT, endpointInput } from './helpers/factories';

describe('endpoint input validation', () => {
  const fx = useApiFixture();

  const endpointCount = async (): Promise<number> =>
    (
      await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
        m.query('select count(*)::int as n from endpoints'),
      )
    )[0].n;

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['a URL that is not http(s)', { url: 'ftp://files.example.com' }, 'url'],
    ['a string that is not a URL', { url: 'not a url' }, 'url'],
    ['an unsupported method', { method: 'TRACE' }, 'method'],
    ['a latency threshold of 0', { sla: { latencyThresholdMs: 0 } }, 'sla.latencyThresholdMs'],
    ['a negative latency threshold', { sla: { latencyThresholdMs: -5 } }, 'sla.latencyThresholdMs'],
    [
      'percentile 0',
      { sla: { latencyThresholdMs: 300, latencyPercentile: 0 } },
      'sla.latencyPercentile',
    ],
    [
      'percentile 100',
      { sla: { latencyThresholdMs: 300, latencyPercentile: 100 } },
      'sla.latencyPercentile',
    ],
    [
      'error threshold 0',
      { sla: { latencyThresholdMs: 300, errorRateThreshold: 0 } },
      'sla.errorRateThreshold',
    ],
    [
      'error threshold 1',
      { sla: { latencyThresholdMs: 300, errorRateThreshold: 1 } },
      'sla.errorRateThreshold',
    ],
    [
      'availability target 1',
      { sla: { latencyThresholdMs: 300, availabilityTarget: 1 } },
      'sla.availabilityTarget',
    ],
    ['an interval below 30 s', { probeIntervalSeconds: 29 }, 'probeIntervalSeconds'],
    [
      'a timeout not below the interval',
      { probeIntervalSeconds: 30, timeoutMs: 30_000 },
      'timeoutMs',
    ],
    ['a status code outside 100-599', { expectedStatusCodes: [200, 700] }, 'expectedStatusCodes'],
    ['an empty name', { name: '' }, 'name'],
  ];

  for (const [label, overrides, field] of invalid) {
    it(`refuses ${label} with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
      const before = await endpointCount();
      const input = endpointInput(overrides);
      const response = await fx.api.gql(CREATE_ENDPOINT, { input }, fx.tenant.adminKey);
      const error = response.errors?.[0];
      assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(response));
      assert.ok(
        error?.message.includes(field.split('.').at(-1)!),
        `message names ${field}: ${error?.message}`,
      );
      assert.equal(response.data ?? null, null);
      assert.equal(await endpointCount(), before);
    });
  }

  it('lists the offending fields in extensions.fields', async () => {
    const response = await fx.api.gql(
      CREATE_ENDPOINT,
      { input: endpointInput({ url: 'nope', sla: { latencyThresholdMs: 0 } }) },
      fx.tenant.adminKey,
    );
    const fields = (response.errors?.[0]?.extensions?.fields as Array<{ field: string }>)
      .map((f) => f.field)
      .sort();
    assert.deepEqual(fields, ['sla.latencyThresholdMs', 'url']);
  });

  it('validates updates the same way and leaves the endpoint unchanged', async () => {
    const created = await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput() },
      fx.tenant.adminKey,
    );
    const id = created.data!.createEndpoint.id;
    const update =
      'mutation($id: ID!, $input: UpdateEndpointInput!) { updateEndpoint(id: $id, input: $input) { name sla { errorRateThreshold } } }';
    const bad = await fx.api.gql(
      update,
      { id, input: { name: 'renamed', sla: { errorRateThreshold: 2 } } },
      fx.tenant.adminKey,
    );
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const good = await fx.api.gql<{
      updateEndpoint: { name: string; sla: { errorRateThreshold: number } };
    }>(update, { id, input: { sla: { errorRateThreshold: 0.01 } } }, fx.tenant.adminKey);
    assert.deepEqual(good.data?.updateEndpoint, {
      name: 'checkout',
      sla: { errorRateThreshold: 0.01 },
    });
  });

  it('applies documented defaults', async () => {
    const created = await fx.api.gql<{ createEndpoint: Record<string, unknown> }>(
      CREATE_ENDPOINT,
      { input: endpointInput() },
      fx.tenant.adminKey,
    );
    assert.deepEqual(
      { ...created.data!.createEndpoint, id: undefined },
      {
        id: undefined,
        name: 'checkout',
        url: 'https://shop.example.com/health',
        method: 'GET',
        expectedStatusCodes: [200],
        probeEnabled: true,
        probeIntervalSeconds: 60,
        timeoutMs: 10_000,
        archivedAt: null,
        sla: {
          latencyThresholdMs: 300,
          latencyPercentile: 95,
          errorRateThreshold: 0.05,
          windowMinutes: 5,
          availabilityTarget: 0.999,
        },
      },
    );
  });
});

describe('endpoint lifecycle and pagination', () => {
  const fx = useApiFixture();

  it('walks every endpoint exactly once with cursors, and hides archived ones unless asked', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const created = await fx.api.gql<{ createEndpoint: { id: string } }>(
        CREATE_ENDPOINT,
        { input: endpointInput({ name: `e${i}` }) },
        fx.tenant.adminKey,
      );
      ids.push(created.data!.createEndpoint.id);
    }
    await fx.api.gql(
      'mutation($id: ID!) { archiveEndpoint(id: $id) { id } }',
      { id: ids[3] },
      fx.tenant.adminKey,
    );

    type Page = {
      endpoints: {
        edges: Array<{ node: { id: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const walk = async (includeArchived: boolean) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: { data?: Page | null } = await fx.api.gql<Page>(
          'query($after: String, $all: Boolean) { endpoints(first: 3, after: $after, includeArchived: $all) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
          { after, all: includeArchived },
          fx.tenant.adminKey,
        );
        seen.push(...page.data!.endpoints.edges.map((e) => e.node.id));
        if (!page.data!.endpoints.pageInfo.hasNextPage) return seen;
        after = page.data!.endpoints.pageInfo.endCursor;
      }
    };
    assert.deepEqual(await walk(true), ids);
    assert.deepEqual(
      await walk(false),
      ids.filter((_, i) => i !== 3),
    );
  });

  it('refuses a page size over 100 and a forged cursor with BAD_USER_INPUT', async () => {
    const big = await fx.api.gql(
      '{ endpoints(first: 101) { edges { cursor } } }',
      {},
      fx.tenant.adminKey,
    );
    assert.equal(big.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const forged = await fx.api.gql(
      '{ endpoints(after: "bm9wZQ") { edges { cursor } } }',
      {},
      fx.tenant.adminKey,
    );
    assert.equal(forged.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  it('archives idempotently and refuses changes to an archived endpoint with CONFLICT', async () => {
    const created = await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput() },
      fx.tenant.adminKey,
    );
    const id = created.data!.createEndpoint.id;
    const archive = 'mutation($id: ID!) { archiveEndpoint(id: $id) { archivedAt } }';
    const first = await fx.api.gql<{ archiveEndpoint: { archivedAt: string } }>(
      archive,
      { id },
      fx.tenant.adminKey,
    );
    const second = await fx.api.gql<{ archiveEndpoint: { archivedAt: string } }>(
      archive,
      { id },
      fx.tenant.adminKey,
    );
    assert.ok(first.data?.archiveEndpoint.archivedAt);
    assert.equal(second.data?.archiveEndpoint.archivedAt, first.data?.archiveEndpoint.archivedAt);
    const update = await fx.api.gql(
      'mutation($id: ID!) { updateEndpoint(id: $id, input: { name: "x" }) { id } }',
      { id },
      fx.tenant.adminKey,
    );
    assert.equal(update.errors?.[0]?.extensions?.code, 'CONFLICT');
  });
});
