import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/config';
import { startTestApi, wsRequest, type TestApi } from './helpers/api';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { makeTenant, type TestTenant } from './helpers/factories';

// Limits low enough that real queries of this schema cross them.
const LIMITS = {
  ...loadConfig().limits,
  maxQueryDepth: 4,
  maxQueryCost: 500,
  bodyLimitBytes: 64 * 1024,
};
const DEEP = '{ endpoints { edges { node { sla { latencyThresholdMs } } } } }';
const COSTLY = '{ endpoints(first: 100) { edges { node { id name url method timeoutMs } } } }';
const CHEAP = '{ endpoints(first: 10) { edges { node { id name url } } } }';

describe('query limits and request protection', () => {
  let db: TestDatabase;
  let api: TestApi;
  let prodApi: TestApi;
  let tenant: TestTenant;

  before(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { limits: LIMITS });
    prodApi = await startTestApi(db, { nodeEnv: 'production' });
    tenant = await makeTenant(db.dataSource);
  });
  after(async () => {
    await api.stop();
    await prodApi.stop();
    await db.drop();
  });

  const refusedBeforeExecution = (
    response: { data?: unknown; errors?: Array<{ extensions?: Record<string, unknown> }> },
    reason: string,
  ) => {
    assert.equal(
      response.errors?.[0]?.extensions?.code,
      'BAD_USER_INPUT',
      JSON.stringify(response),
    );
    assert.equal(response.errors?.[0]?.extensions?.reason, reason);
    assert.equal(response.data, undefined, 'a refused operation must not execute at all');
  };

  it('refuses a query deeper than the limit over HTTP', async () => {
    refusedBeforeExecution(await api.gql(DEEP, {}, tenant.adminKey), 'QUERY_TOO_DEEP');
  });

  it('refuses a query costlier than the limit over HTTP, counting page sizes', async () => {
    refusedBeforeExecution(await api.gql(COSTLY, {}, tenant.adminKey), 'QUERY_TOO_COSTLY');
    assert.ok((await api.gql(CHEAP, {}, tenant.adminKey)).data);
  });

  it('counts aliases: a cheap field repeated many times is refused', async () => {
    const aliased = `{ ${Array.from({ length: 600 }, (_, i) => `m${i}: me { slug }`).join(' ')} }`;
    refusedBeforeExecution(await api.gql(aliased, {}, tenant.adminKey), 'TOO_MANY_ALIASES');
  });

  it('refuses the same deep and costly queries over WebSocket', async () => {
    const client = api.wsClient(tenant.adminKey);
    try {
      const deep = await wsRequest(client, DEEP);
      assert.equal(deep.errors?.[0]?.extensions?.reason, 'QUERY_TOO_DEEP');
      assert.equal(deep.data, undefined);
      const costly = await wsRequest(client, COSTLY);
      assert.equal(costly.errors?.[0]?.extensions?.reason, 'QUERY_TOO_COSTLY');
      const cheap = await wsRequest(client, CHEAP);
      assert.ok(cheap.data);
    } finally {
      await client.dispose();
    }
  });

  it('refuses a body over the size limit with 413 and BAD_USER_INPUT', async () => {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.adminKey}` },
      body: JSON.stringify({
        query: '{ me { slug } }',
        variables: { pad: 'x'.repeat(LIMITS.bodyLimitBytes) },
      }),
    });
    assert.equal(response.status, 413);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    assert.equal(body.errors[0]!.extensions.code, 'BAD_USER_INPUT');
  });

  it('refuses a WebSocket message over the size limit by closing the socket', async () => {
    const socket = new WebSocket(api.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload: { pad: 'x'.repeat(LIMITS.bodyLimitBytes) },
      }),
    );
    assert.equal(await closed, 1009, 'message too big');
  });

  it('prevents CSRF: simple cross-site requests are refused before execution', async () => {
    const textPlain = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${tenant.adminKey}` },
      body: JSON.stringify({ query: '{ me { slug } }' }),
    });
    assert.equal(textPlain.status, 400);
    const get = await fetch(`${api.url}/graphql?query=${encodeURIComponent('{ me { slug } }')}`, {
      headers: { authorization: `Bearer ${tenant.adminKey}` },
    });
    assert.equal(get.status, 400);
    assert.doesNotMatch(await get.text(), new RegExp(tenant.slug));
  });

  it('turns introspection off in production, over HTTP and WebSocket', async () => {
    const introspect = '{ __schema { queryType { name } } }';
    assert.ok((await api.gql(introspect, {}, tenant.adminKey)).data, 'on outside production');
    const http = await prodApi.gql(introspect, {}, tenant.adminKey);
    assert.equal(http.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(http.data, undefined);
    const client = prodApi.wsClient(tenant.adminKey);
    try {
      const ws = await wsRequest(client, introspect);
      assert.equal(ws.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(ws.data, undefined);
    } finally {
      await client.dispose();
    }
  });
});
