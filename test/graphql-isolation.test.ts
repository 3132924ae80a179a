import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApi, type TestApi } from './helpers/api';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { CREATE_ENDPOINT, endpointInput, makeTenant, type TestTenant } from './helpers/factories';

describe('tenant isolation through GraphQL', () => {
  let db: TestDatabase;
  let api: TestApi;
  let a: TestTenant;
  let b: TestTenant;
  let endpointOfB: string;

  before(async () => {
    db = await createTestDatabase();
    // One connection in the API's pool: consecutive requests of different tenants share it.
    api = await startTestApi(db, { dbPoolSize: 1 });
    a = await makeTenant(db.dataSource, 'a');
    b = await makeTenant(db.dataSource, 'b');
    const created = await api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput({ name: 'b-secret' }) },
      b.adminKey,
    );
    endpointOfB = created.data!.createEndpoint.id;
  });
  after(async () => {
    await api.stop();
    await db.drop();
  });

  const notFound = (response: {
    data?: unknown;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  }) => {
    assert.equal(response.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    assert.equal(response.data, null);
    assert.doesNotMatch(JSON.stringify(response), /b-secret/);
  };

  it("answers NOT_FOUND for reading, updating and archiving the other tenant's endpoint", async () => {
    notFound(
      await api.gql(
        'query($id: ID!) { endpoint(id: $id) { id name } }',
        { id: endpointOfB },
        a.adminKey,
      ),
    );
    notFound(
      await api.gql(
        'mutation($id: ID!) { updateEndpoint(id: $id, input: { name: "x" }) { id } }',
        { id: endpointOfB },
        a.adminKey,
      ),
    );
    notFound(
      await api.gql(
        'mutation($id: ID!) { archiveEndpoint(id: $id) { id } }',
        { id: endpointOfB },
        a.adminKey,
      ),
    );
    const own = await api.gql<{ endpoint: { name: string; archivedAt: null } }>(
      'query($id: ID!) { endpoint(id: $id) { name archivedAt } }',
      { id: endpointOfB },
      b.adminKey,
    );
    assert.deepEqual(own.data?.endpoint, { name: 'b-secret', archivedAt: null });
  });

  it("gives the same answer for another tenant's id as for an id that never existed", async () => {
    const foreign = await api.gql(
      'query($id: ID!) { endpoint(id: $id) { id } }',
      { id: endpointOfB },
      a.adminKey,
    );
    const made_up = await api.gql(
      'query($id: ID!) { endpoint(id: $id) { id } }',
      { id: '7d1f3f7e-0000-4000-8000-000000000000' },
      a.adminKey,
    );
    assert.equal(foreign.errors?.[0]?.extensions?.code, made_up.errors?.[0]?.extensions?.code);
    assert.equal(
      foreign.errors?.[0]?.message.replace(endpointOfB, 'ID'),
      made_up.errors?.[0]?.message.replace('7d1f3f7e-0000-4000-8000-000000000000', 'ID'),
    );
  });

  it("lists only the caller's endpoints, request after request on one pooled connection", async () => {
    await api.gql(CREATE_ENDPOINT, { input: endpointInput({ name: 'a-own' }) }, a.adminKey);
    const list = 'query { endpoints { edges { node { name } } } }';
    for (let i = 0; i < 3; i++) {
      const asA = await api.gql<{ endpoints: { edges: Array<{ node: { name: string } }> } }>(
        list,
        {},
        a.adminKey,
      );
      const asB = await api.gql<{ endpoints: { edges: Array<{ node: { name: string } }> } }>(
        list,
        {},
        b.adminKey,
      );
      assert.deepEqual(
        asA.data?.endpoints.edges.map((e) => e.node.name),
        ['a-own'],
      );
      assert.deepEqual(
        asB.data?.endpoints.edges.map((e) => e.node.name),
        ['b-secret'],
      );
    }
  });

  it("scopes `me` to the key's tenant", async () => {
    const me = await api.gql<{ me: { slug: string } }>('{ me { slug } }', {}, b.adminKey);
    assert.equal(me.data?.me.slug, b.slug);
  });

  it("cannot revoke another tenant's API key", async () => {
    const keys = await db.dataSource.query(
      `select key_id as id from authenticate_api_key(sha256($1::bytea))`,
      [Buffer.from(b.adminKey)],
    );
    const revoke = await api.gql(
      'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
      { id: keys[0].id },
      a.adminKey,
    );
    assert.equal(revoke.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const stillWorks = await api.gql<{ me: { slug: string } }>('{ me { slug } }', {}, b.adminKey);
    assert.equal(stillWorks.data?.me.slug, b.slug);
  });
});
