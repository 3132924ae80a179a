import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { useApiFixture, wsRequest } from './helpers/api';

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
  const fx = useApiFixture();

  it('closes the socket with 4403 when connection_init carries no key', async () => {
    assert.equal(await initWith(fx.api.wsUrl, {}), 4403);
    assert.equal(await initWith(fx.api.wsUrl, undefined), 4403);
  });

  it('closes the socket with 4403 for a malformed or unknown key', async () => {
    assert.equal(await initWith(fx.api.wsUrl, { authorization: 'Bearer nope' }), 4403);
    assert.equal(
      await initWith(fx.api.wsUrl, { authorization: `Bearer snl_${'A'.repeat(43)}` }),
      4403,
    );
  });

  it('acknowledges a valid key (Authorization or apiKey) and serves operations', async () => {
    assert.equal(
      await initWith(fx.api.wsUrl, { Authorization: `Bearer ${fx.tenant.adminKey}` }),
      'ack',
    );
    assert.equal(await initWith(fx.api.wsUrl, { apiKey: fx.tenant.adminKey }), 'ack');
    const client = fx.api.wsClient(fx.tenant.adminKey);
    try {
      const me = await wsRequest(client, '{ me { slug } }');
      assert.deepEqual(me.data, { me: { slug: fx.tenant.slug } });
    } finally {
      await client.dispose();
    }
  });

  it('authorises each operation again: a key revoked after connecting stops working', async () => {
    const readKey = await fx.tenant.key('read');
    const client = fx.api.wsClient(readKey);
    try {
      assert.ok((await wsRequest(client, '{ me { slug } }')).data);
      const [row] = await fx.db.dataSource.query(
        'select key_id from authenticate_api_key(sha256($1::bytea))',
        [Buffer.from(readKey)],
      );
      await fx.api.gql(
        'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
        { id: row.key_id },
        fx.tenant.adminKey,
      );
      // Revocation also closes the key's sockets (4403); whichever comes first, nothing is served.
      const after = await wsRequest(client, '{ me { slug } }').catch(
        (err: { code: number }) => err,
      );
      if ('code' in after) assert.equal(after.code, 4403);
      else {
        assert.equal(after.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
        assert.equal(after.data, undefined);
      }
    } finally {
      await client.dispose();
    }
  });

  it('applies scopes over WebSocket as over HTTP', async () => {
    const client = fx.api.wsClient(await fx.tenant.key('ingest'));
    try {
      const list = await wsRequest(client, '{ endpoints { edges { cursor } } }');
      assert.equal(list.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    } finally {
      await client.dispose();
    }
  });
});
