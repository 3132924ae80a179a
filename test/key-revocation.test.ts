import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestApi, type TestApi } from './helpers/api';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { CREATE_ENDPOINT, endpointInput, makeTenant, type TestTenant } from './helpers/factories';

const ME = '{ me { slug } }';

/** A raw graphql-transport-ws socket with one open riskChanged subscription; resolves on ack. */
async function openSubscription(url: string, key: string, endpointId: string) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const acked = new Promise<void>((resolve) =>
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve();
    }),
  );
  socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: key } }));
  await acked;
  socket.send(
    JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: {
        query: 'subscription($id: ID!) { riskChanged(endpointId: $id) { probability } }',
        variables: { id: endpointId },
      },
    }),
  );
  return { socket, closed };
}

// Issue 10 item 5: a subscription kept receiving events after its key was revoked.
describe('revoking a key, with two API instances and cached key lookups', () => {
  let db: TestDatabase;
  let apis: TestApi[];
  let tenant: TestTenant;

  before(async () => {
    db = await createTestDatabase();
    // A long cache: only the published revocation can stop the key in time.
    apis = [
      await startTestApi(db, { keyCacheMs: 600_000 }),
      await startTestApi(db, { keyCacheMs: 600_000 }),
    ];
    tenant = await makeTenant(db.dataSource);
  });
  after(async () => {
    for (const api of apis ?? []) await api.stop();
    await db?.drop();
  });

  it('closes its open sockets with 4403 on every instance and refuses it everywhere at once', async () => {
    const [a, b] = apis as [TestApi, TestApi];
    const created = await a.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput() },
      tenant.adminKey,
    );
    const endpointId = created.data!.createEndpoint.id;
    const readKey = await tenant.key('read');
    // Both instances have looked the key up (and cached it).
    for (const api of apis)
      assert.deepEqual((await api.gql(ME, {}, readKey)).data, { me: { slug: tenant.slug } });
    const onA = await openSubscription(a.wsUrl, readKey, endpointId);
    const onB = await openSubscription(b.wsUrl, readKey, endpointId);
    const other = await openSubscription(b.wsUrl, tenant.adminKey, endpointId);

    const [row] = await db.dataSource.query(
      'select key_id from authenticate_api_key(sha256($1::bytea))',
      [Buffer.from(readKey)],
    );
    const revoked = await a.gql(
      'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
      { id: row.key_id },
      tenant.adminKey,
    );
    assert.equal(revoked.errors, undefined);
    // The instance that revoked it refuses it with the very next request.
    assert.equal((await a.gql(ME, {}, readKey)).errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');

    assert.equal(await onA.closed, 4403);
    assert.equal(await onB.closed, 4403);
    // B heard of it: its cached lookup is gone too.
    assert.equal((await b.gql(ME, {}, readKey)).errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // Another key's socket stays open.
    assert.equal(other.socket.readyState, WebSocket.OPEN);
    assert.deepEqual((await b.gql(ME, {}, tenant.adminKey)).data, { me: { slug: tenant.slug } });
    other.socket.close();
  });
});
