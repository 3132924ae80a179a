import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPlatformKey } from '../src/services/api-keys';
import { startTestApi, type TestApi } from './helpers/api';
import { createTestDatabase, ownerQuery, type TestDatabase } from './helpers/database';
import { CREATE_ENDPOINT, endpointInput, makeTenant, type TestTenant } from './helpers/factories';

const ENV_PLATFORM_KEY = 'operator-platform-key-for-tests-0123456789';
const LIST = '{ endpoints { edges { node { id name } } } }';

describe('API keys and scopes', () => {
  let db: TestDatabase;
  let api: TestApi;
  let tenant: TestTenant;

  before(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { platformKey: ENV_PLATFORM_KEY });
    tenant = await makeTenant(db.dataSource);
    await api.gql(CREATE_ENDPOINT, { input: endpointInput({ name: 'private-data' }) }, tenant.adminKey);
  });
  after(async () => {
    await api.stop();
    await db.drop();
  });

  const refused = (response: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> }, code: string) => {
    assert.equal(response.errors?.[0]?.extensions?.code, code);
    assert.equal(response.data, null);
    assert.doesNotMatch(JSON.stringify(response), /private-data/);
  };

  it('refuses a missing key with UNAUTHENTICATED', async () => {
    refused(await api.gql(LIST), 'UNAUTHENTICATED');
  });

  it('refuses malformed keys and headers with UNAUTHENTICATED', async () => {
    for (const key of ['nope', 'snl_short', `${tenant.adminKey}x`, `' or 1=1 --`, tenant.adminKey.toUpperCase()]) {
      refused(await api.gql(LIST, {}, key), 'UNAUTHENTICATED');
    }
    const basic = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${tenant.adminKey}` },
      body: JSON.stringify({ query: LIST }),
    });
    refused((await basic.json()) as object, 'UNAUTHENTICATED');
  });

  it('refuses a revoked key from the next request on', async () => {
    const readKey = await tenant.key('read');
    assert.ok((await api.gql(LIST, {}, readKey)).data);
    const keyId = (await db.dataSource.query('select key_id from authenticate_api_key(sha256($1::bytea))', [Buffer.from(readKey)]))[0].key_id;
    const revoked = await api.gql('mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: keyId }, tenant.adminKey);
    assert.ok((revoked.data as { revokeApiKey: { revokedAt: string } }).revokeApiKey.revokedAt);
    refused(await api.gql(LIST, {}, readKey), 'UNAUTHENTICATED');
  });

  it('refuses operations outside the key\'s scope with FORBIDDEN', async () => {
    const readKey = await tenant.key('read');
    const ingestKey = await tenant.key('ingest');
    refused(await api.gql(CREATE_ENDPOINT, { input: endpointInput() }, readKey), 'FORBIDDEN');
    refused(await api.gql(LIST, {}, ingestKey), 'FORBIDDEN');
    refused(await api.gql('mutation { createApiKey(input: { name: "x", scope: admin }) { secret } }', {}, readKey), 'FORBIDDEN');
    refused(await api.gql('mutation { createTenant(input: { slug: "evil", name: "e" }) { tenant { id } } }', {}, tenant.adminKey), 'FORBIDDEN');
    const count = await db.dataSource.query(`select count(*)::int as n from tenants where slug = 'evil'`);
    assert.equal(count[0].n, 0);
  });

  it('lets any key of the tenant ask `me`, and the admin key do everything', async () => {
    for (const scope of ['read', 'ingest', 'admin'] as const) {
      const me = await api.gql<{ me: { slug: string } }>('{ me { slug } }', {}, await tenant.key(scope));
      assert.equal(me.data?.me.slug, tenant.slug);
    }
    assert.ok((await api.gql(LIST, {}, tenant.adminKey)).data);
  });

  it('shows a new key once and stores only its hash', async () => {
    const created = await api.gql<{ createApiKey: { secret: string; apiKey: { prefix: string; scope: string } } }>(
      'mutation { createApiKey(input: { name: "ci", scope: read }) { secret apiKey { prefix scope } } }', {}, tenant.adminKey,
    );
    const { secret, apiKey } = created.data!.createApiKey;
    assert.ok(secret.startsWith(apiKey.prefix));
    assert.equal(apiKey.scope, 'read');
    const [row] = await ownerQuery<{ hashed: number; plain: number }>(
      db.ownerUrl,
      `select count(*) filter (where key_hash = sha256($1::bytea))::int as hashed,
              count(*) filter (where k::text like '%' || $2 || '%')::int as plain
         from api_keys k`,
      [Buffer.from(secret), secret],
    );
    assert.deepEqual(row, { hashed: 1, plain: 0 }, 'the key is stored as its SHA-256 and nowhere in plain text');
  });

  it('creates tenants with the operator\'s platform key or a CLI-made one, and both get an admin key', async () => {
    const cliKey = await createPlatformKey(db.ownerUrl, 'test');
    for (const [i, key] of [ENV_PLATFORM_KEY, cliKey].entries()) {
      const slug = `new-${i}-${Date.now()}`;
      const created = await api.gql<{ createTenant: { tenant: { slug: string }; adminKey: { secret: string } } }>(
        'mutation($slug: String!) { createTenant(input: { slug: $slug, name: "New" }) { tenant { slug } adminKey { secret } } }',
        { slug }, key,
      );
      assert.equal(created.data?.createTenant.tenant.slug, slug);
      const me = await api.gql<{ me: { slug: string } }>('{ me { slug } }', {}, created.data!.createTenant.adminKey.secret);
      assert.equal(me.data?.me.slug, slug);
      const duplicate = await api.gql('mutation($slug: String!) { createTenant(input: { slug: $slug, name: "x" }) { tenant { id } } }', { slug }, key);
      assert.equal(duplicate.errors?.[0]?.extensions?.code, 'CONFLICT');
    }
    refused(await api.gql('{ me { slug } }', {}, cliKey), 'FORBIDDEN');
  });
});
