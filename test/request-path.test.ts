import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Endpoint } from '../src/entities/endpoint.entity';
import { Tenant } from '../src/entities/tenant.entity';
import { readEndpointPage, readEndpointRow } from '../src/services/endpoint-rows';
import { createEndpoint } from '../src/services/endpoints';
import { withTenant } from '../src/tenancy/with-tenant';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { makeTenant, NEW_ENDPOINT as INPUT, type TestTenant } from './helpers/factories';
import { startTestApi, type TestApi } from './helpers/api';

describe('the request path', () => {
  let db: TestDatabase;
  let tenant: TestTenant;

  before(async () => {
    // One connection: whatever a unit of work leaves on it, the next one sees.
    db = await createTestDatabase({ poolSize: 1 });
    tenant = await makeTenant(db.dataSource);
  });
  after(() => db?.drop());

  it('withTenant: the tenant setting lives only in its transaction, and a failure rolls back', async () => {
    const seen = await withTenant(db.dataSource, tenant.id, (m) =>
      m.query(`select current_setting('app.tenant_id', true) as id`),
    );
    assert.equal(seen[0].id, tenant.id);
    const [outside] = await db.dataSource.query(
      `select coalesce(current_setting('app.tenant_id', true), '') as id`,
    );
    assert.equal(outside.id, '', 'the pooled connection carries no tenant afterwards');

    await assert.rejects(
      withTenant(db.dataSource, tenant.id, async (m) => {
        await createEndpoint(m, tenant.id, { ...INPUT, name: 'rolled back' });
        throw new Error('boom');
      }),
      /boom/,
    );
    const names = await withTenant(db.dataSource, tenant.id, (m) => m.find(Endpoint));
    assert.equal(names.filter((e) => e.name === 'rolled back').length, 0);

    // save() inside it uses the open transaction (a savepoint), and the commit keeps the row.
    const kept = await withTenant(db.dataSource, tenant.id, (m) =>
      createEndpoint(m, tenant.id, { ...INPUT, name: 'kept' }),
    );
    const [row] = await db.dataSource.query(`select count(*)::int as n from pg_stat_activity
       where datname = current_database() and state = 'idle in transaction'`);
    assert.equal(row.n, 0, 'no connection is left inside a transaction');
    assert.equal(
      (await withTenant(db.dataSource, tenant.id, (m) => m.findOneBy(Endpoint, { id: kept.id })))
        ?.name,
      'kept',
    );
  });

  it('withTenant: a failing first statement, a failure before any statement, or no statement at all leave the connection clean', async () => {
    await assert.rejects(
      withTenant(db.dataSource, tenant.id, (m) => m.query('select * from no_such_table')),
      /no_such_table/,
    );
    // Work that fails before any statement, and work that issues none.
    await assert.rejects(
      withTenant(db.dataSource, tenant.id, () => Promise.reject(new Error('early'))),
      /early/,
    );
    assert.equal(await withTenant(db.dataSource, tenant.id, async () => 42), 42);
    // The one pooled connection is back outside any transaction, with no tenant.
    const [state] = await db.dataSource.query(
      `select coalesce(current_setting('app.tenant_id', true), '') as id,
              (select count(*)::int from pg_stat_activity
                where datname = current_database() and state like 'idle in transaction%') as open`,
    );
    assert.deepEqual(state, { id: '', open: 0 });
    const seen = await withTenant(db.dataSource, tenant.id, (m) =>
      m.query(`select current_setting('app.tenant_id', true) as id`),
    );
    assert.equal(seen[0].id, tenant.id);
  });

  it('reads only the asked-for columns of endpoints', async () => {
    const page = await readEndpointPage(
      db.dataSource,
      tenant.id,
      { first: 10, includeArchived: false },
      ['name'],
    );
    assert.ok(page.endpoints.length > 0);
    for (const row of page.endpoints) assert.deepEqual(Object.keys(row).sort(), ['id', 'name']);
    const one = await readEndpointRow(db.dataSource, tenant.id, page.endpoints[0]!.id, [
      'url',
      'timeoutMs',
    ]);
    assert.deepEqual(Object.keys(one).sort(), ['id', 'timeoutMs', 'url']);
  });

  describe('over GraphQL', () => {
    let api: TestApi;
    before(async () => (api = await startTestApi(db)));
    after(() => api?.stop());

    it("answers `me` with every field as the tenant's entity has it (one-round-trip read)", async () => {
      const answer = await api.gql<{ me: Record<string, unknown> }>(
        `{ me { id slug name createdAt statusPagePublished contributesToGlobal featureFlags
                falseAlertBudget autoRetrain retrainEveryDays } }`,
        {},
        tenant.adminKey,
      );
      assert.equal(answer.errors, undefined);
      const entity = await withTenant(db.dataSource, tenant.id, (m) =>
        m.findOneByOrFail(Tenant, { id: tenant.id }),
      );
      assert.deepEqual(answer.data!.me, {
        id: entity.id,
        slug: entity.slug,
        name: entity.name,
        createdAt: entity.createdAt.toISOString(),
        statusPagePublished: entity.statusPagePublished,
        contributesToGlobal: entity.contributesToGlobal,
        featureFlags: entity.featureFlags,
        falseAlertBudget: entity.falseAlertBudget,
        autoRetrain: entity.autoRetrain,
        retrainEveryDays: entity.retrainEveryDays,
      });
      assert.equal(typeof answer.data!.me.falseAlertBudget, 'number');
    });

    it('serves fields asked through fragments and nested objects, and pages with cursors', async () => {
      const query = `query($after: String) {
        endpoints(first: 1, after: $after) {
          edges { cursor node { ...E ... on Endpoint { sla { windowMinutes } } } }
          pageInfo { hasNextPage endCursor }
        }
      }
      fragment E on Endpoint { id name createdAt }`;
      const first = await api.gql<{
        endpoints: {
          edges: Array<{ node: { name: string; sla: { windowMinutes: number } } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      }>(query, {}, tenant.adminKey);
      assert.equal(first.errors, undefined);
      const node = first.data!.endpoints.edges[0]!.node;
      assert.equal(node.name, 'kept');
      assert.equal(node.sla.windowMinutes, 5);
      const bad = await api.gql(
        query,
        {
          after: Buffer.from('endpoint:00000000-0000-4000-8000-000000000000').toString('base64url'),
        },
        tenant.adminKey,
      );
      assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    });

    it('tells caches to keep no answer, a success or a refusal', async () => {
      const ask = (query: string) =>
        fetch(`${api.url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${tenant.adminKey}`,
          },
          body: JSON.stringify({ query }),
        });
      for (const query of ['{ me { slug } }', '{ endpoint(id: "nope") { id } }', '{ nope }']) {
        const response = await ask(query);
        assert.equal(response.headers.get('cache-control'), 'no-store', query);
      }
    });

    it('answers every method on /graphql as GraphQL over HTTP does, and malformed bodies as such', async () => {
      const headers = {
        'content-type': 'application/json',
        authorization: `Bearer ${tenant.adminKey}`,
      };
      const put = await fetch(`${api.url}/graphql`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ query: '{ me { slug } }' }),
      });
      assert.equal(put.status, 405);
      const broken = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers,
        body: '{"query": ',
      });
      assert.equal(broken.status, 400);
      const body = (await broken.json()) as { errors: Array<{ extensions: { code: string } }> };
      assert.equal(body.errors[0]!.extensions.code, 'BAD_USER_INPUT');
      assert.ok(broken.headers.get('x-request-id'), 'observed like every request');
      const get = await fetch(`${api.url}/graphql?query=${encodeURIComponent('{ me { slug } }')}`, {
        headers: { authorization: `Bearer ${tenant.adminKey}`, 'apollo-require-preflight': '1' },
      });
      assert.deepEqual(await get.json(), { data: { me: { slug: tenant.slug } } });
    });
  });
});
