import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestApi, wsRequest, type TestApi } from './helpers/api';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { makeTenant, type TestTenant } from './helpers/factories';

/** Opens a raw graphql-transport-ws socket, sends connection_init, returns the close code (or 'ack'). */
async function initWith(url: string, payload: unknown): Promise<number | 'ack'> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const outcome = new Promise<number | 'ack'>((resolve) => {
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve('ack');
    });
    socket.once('close', (code) => resolve(code));
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload }));
  const result = await outcome;
  socket.terminate();
  return result;
}

describe('WebSocket authentication', () => {
  let db: TestDatabase;
  let api: TestApi;
  let tenant: TestTenant;

  before(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db);
    tenant = await makeTenant(db.dataSource);
  });
  after(async () => {
    await api.stop();
    await db.drop();
  });

  it('closes the socket with 4403 when connection_init carries no key', async () => {
    assert.equal(await initWith(api.wsUrl, {}), 4403);
    assert.equal(await initWith(api.wsUrl, undefined), 4403);
  });

  it('closes the socket with 4403 for a malformed or unknown key', async () => {
    assert.equal(await initWith(api.wsUrl, { authorization: 'Bearer nope' }), 4403);
    assert.equal(await initWith(api.wsUrl, { authorization: `Bearer snl_${'A'.repeat(43)}` }), 4403);
  });

  it('acknowledges a valid key (Authorization or apiKey) and serves operations', async () => {
    assert.equal(await initWith(api.wsUrl, { Authorization: `Bearer ${tenant.adminKey}` }), 'ack');
    assert.equal(await initWith(api.wsUrl, { apiKey: tenant.adminKey }), 'ack');
    const client = api.wsClient(tenant.adminKey);
    try {
      const me = await wsRequest(client, '{ me { slug } }');
      assert.deepEqual(me.data, { me: { slug: tenant.slug } });
    } finally {
      await client.dispose();
    }
  });

  it('authorises each operation again: a key revoked after connecting stops working', async () => {
    const readKey = await tenant.key('read');
    const client = api.wsClient(readKey);
    try {
      assert.ok((await wsRequest(client, '{ me { slug } }')).data);
      const [row] = await db.dataSource.query('select key_id from authenticate_api_key(sha256($1::bytea))', [Buffer.from(readKey)]);
      await api.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: row.key_id }, tenant.adminKey);
      const after = await wsRequest(client, '{ me { slug } }');
      assert.equal(after.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.equal(after.data, undefined);
    } finally {
      await client.dispose();
    }
  });

  it('applies scopes over WebSocket as over HTTP', async () => {
    const client = api.wsClient(await tenant.key('ingest'));
    try {
      const list = await wsRequest(client, '{ endpoints { edges { cursor } } }');
      assert.equal(list.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    } finally {
      await client.dispose();
    }
  });
});
