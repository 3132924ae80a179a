import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createPlatformKey } from '../src/services/api-keys';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { CREATE_ENDPOINT, endpointInput } from './helpers/factories';

const ENV_PLATFORM_KEY = 'operator-platform-key-for-tests-0123456789';
const LIST = '{ endpoints { edges { node { id name } } } }';

describe('API keys and scopes', () => {
  const fx = useApiFixture({ platformKey: ENV_PLATFORM_KEY });

  before(async () => {
    await fx.api.gql(
      CREATE_ENDPOINT,
      { input: endpointInput({ name: 'private-data' }) },
      fx.tenant.adminKey,
    );
  });

  const refused = (
    response: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> },
    code: string,
  ) => {
    assert.equal(response.errors?.[0]?.extensions?.code, code);
    assert.equal(response.data, null);
    assert.doesNotMatch(JSON.stringify(response), /private-data/);
  };

  it('refuses a missing key with UNAUTHENTICATED', async () => {
    refused(await fx.api.gql(LIST), 'UNAUTHENTICATED');
  });

  it('refuses malformed keys and headers with UNAUTHENTICATED', async () => {
    for (const key of [
      'nope',
      'snl_short',
      `${fx.tenant.adminKey}x`,
      `' or 1=1 --`,
      fx.tenant.adminKey.toUpperCase(),
    ]) {
      refused(await fx.api.gql(LIST, {}, key), 'UNAUTHENTICATED');
    }
    const basic = await fetch(`${fx.api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${fx.tenant.adminKey}` },
      body: JSON.stringify({ query: LIST }),
    });
    refused((await basic.json()) as object, 'UNAUTHENTICATED');
  });

  it('refuses a revoked key from the next request on', async () => {
    const readKey = await fx.tenant.key('read');
    assert.ok((await fx.api.gql(LIST, {}, readKey)).data);
    const keyId = (
      await fx.db.dataSource.query('select key_id from authenticate_api_key(sha256($1::bytea))', [
        Buffer.from(readKey),
      ])
    )[0].key_id;
    const revoked = await fx.api.gql(
      'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }',
      { id: keyId },
      fx.tenant.adminKey,
    );
    assert.ok((revoked.data as { revokeApiKey: { revokedAt: string } }).revokeApiKey.revokedAt);
    refused(await fx.api.gql(LIST, {}, readKey), 'UNAUTHENTICATED');
  });

  it("refuses operations outside the key's scope with FORBIDDEN", async () => {
    const readKey = await fx.tenant.key('read');
    const ingestKey = await fx.tenant.key('ingest');
    refused(await fx.api.gql(CREATE_ENDPOINT, { input: endpointInput() }, readKey), 'FORBIDDEN');
    refused(await fx.api.gql(LIST, {}, ingestKey), 'FORBIDDEN');
    refused(
      await fx.api.gql(
        'mutation { createApiKey(input: { name: "x", scope: admin }) { secret } }',
        {},
        readKey,
      ),
      'FORBIDDEN',
    );
    refused(
      await fx.api.gql(
        'mutation { createTenant(input: { slug: "evil", name: "e" }) { tenant { id } } }',
        {},
        fx.tenant.adminKey,
      ),
      'FORBIDDEN',
    );
    const count = await fx.db.dataSource.query(
      `select count(*)::int as n from tenants where slug = 'evil'`,
    );
    assert.equal(count[0].n, 0);
  });

  it('lets any key of the tenant ask `me`, and the admin key do everything', async () => {
    for (const scope of ['read', 'ingest', 'admin'] as const) {
      const me = await fx.api.gql<{ me: { slug: string } }>(
        '{ me { slug } }',
        {},
        await fx.tenant.key(scope),
      );
      assert.equal(me.data?.me.slug, fx.tenant.slug);
    }
    assert.ok((await fx.api.gql(LIST, {}, fx.tenant.adminKey)).data);
  });

  it('shows a new key once and stores only its hash', async () => {
    const created = await fx.api.gql<{
      createApiKey: { secret: string; apiKey: { prefix: string; scope: string } };
    }>(
      'mutation { createApiKey(input: { name: "ci", scope: read }) { secret apiKey { prefix scope } } }',
      {},
      fx.tenant.adminKey,
    );
    const { secret, apiKey } = created.data!.createApiKey;
    assert.ok(secret.startsWith(apiKey.prefix));
    assert.equal(apiKey.scope, 'read');
    const [row] = await ownerQuery<{ hashed: number; plain: number }>(
      fx.db.ownerUrl,
      `select count(*) filter (where key_hash = sha256($1::bytea))::int as hashed,
              count(*) filter (where k::text like '%' || $2 || '%')::int as plain
         from api_keys k`,
      [Buffer.from(secret), secret],
    );
    assert.deepEqual(
      row,
      { hashed: 1, plain: 0 },
      'the key is stored as its SHA-256 and nowhere in plain text',
    );
  });

  it("creates tenants with the operator's platform key or a CLI-made one, and both get an admin key", async () => {
    const cliKey = await createPlatformKey(fx.db.ownerUrl, 'test');
    for (const [i, key] of [ENV_PLATFORM_KEY, cliKey].entries()) {
      const slug = `new-${i}-${Date.now()}`;
      const created = await fx.api.gql<{
        createTenant: { tenant: { slug: string }; adminKey: { secret: string } };
      }>(
        'mutation($slug: String!) { createTenant(input: { slug: $slug, name: "New" }) { tenant { slug } adminKey { secret } } }',
        { slug },
        key,
      );
      assert.equal(created.data?.createTenant.tenant.slug, slug);
      const me = await fx.api.gql<{ me: { slug: string } }>(
        '{ me { slug } }',
        {},
        created.data!.createTenant.adminKey.secret,
      );
      assert.equal(me.data?.me.slug, slug);
      const duplicate = await fx.api.gql(
        'mutation($slug: String!) { createTenant(input: { slug: $slug, name: "x" }) { tenant { id } } }',
        { slug },
        key,
      );
      assert.equal(duplicate.errors?.[0]?.extensions?.code, 'CONFLICT');
    }
    refused(await fx.api.gql('{ me { slug } }', {}, cliKey), 'FORBIDDEN');
  });
});
