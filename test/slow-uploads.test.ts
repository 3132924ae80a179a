import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config';
import { logger } from '../src/config/logger';
import { createAppDataSource } from '../src/db/data-source';
import { startTestApi, useApiFixture, type TestApi } from './helpers/api';
import { CREATE_ENDPOINT, endpointInput, makeTenant } from './helpers/factories';

/** Opens POST /ingest, sends the head of an NDJSON body and then nothing: a slow upload. */
function slowUpload(baseUrl: string, key: string, batchId: string) {
  const url = new URL(`/ingest?batchId=${batchId}`, baseUrl);
  const handle: {
    req?: http.ClientRequest;
    answer?: Promise<{ status: number; body: string; retryAfter?: string }>;
  } = {};
  const answer = new Promise<{ status: number; body: string; retryAfter?: string }>(
    (resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${key}` },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              body,
              retryAfter: res.headers['retry-after'] as string | undefined,
            }),
          );
        },
      );
      req.on('error', reject);
      req.write('{"endpointId":');
      handle.req = req;
    },
  );
  answer.catch(() => undefined);
  return { req: handle.req, answer };
}

/** A liveness bound, not a latency assertion: before the fix `{ me }` never answered at all. */
async function gqlWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('slow uploads and a saturated pool (issue 10, High 3)', () => {
  // Three connections for the whole API, twelve uploads allowed at once: before the fix every
  // upload held a pooled connection for as long as its client kept the body open.
  const fx = useApiFixture({
    dbPoolSize: 3,
    limits: { ...loadConfig().limits, ingestConcurrencyPerTenant: 12 },
  });

  it('answers another tenant’s { me } and /readyz while twelve uploads stall', async () => {
    const attacker = await makeTenant(fx.db.dataSource);
    const uploads = Array.from({ length: 12 }, (_, i) =>
      slowUpload(fx.api.url, attacker.adminKey, `slow-${i}`),
    );
    try {
      // Let every upload reach the server and start waiting on its body.
      await new Promise((r) => setTimeout(r, 500));
      const me = await gqlWithin(
        fx.api.gql<{ me: { slug: string } }>('{ me { slug } }', {}, fx.tenant.adminKey),
        15_000,
        '{ me }',
      );
      assert.equal(me.data?.me.slug, fx.tenant.slug);
      const ready = await gqlWithin(fetch(`${fx.api.url}/readyz`), 15_000, '/readyz');
      assert.equal(ready.status, 200);
    } finally {
      for (const upload of uploads) upload.req?.destroy();
    }
  });

  it('caps the uploads of one tenant at once: the next one gets 429 RATE_LIMITED', async () => {
    const api = await startTestApi(fx.db, {
      limits: { ...fx.api.config.limits, ingestConcurrencyPerTenant: 2 },
    });
    const tenant = await makeTenant(fx.db.dataSource);
    const uploads = [0, 1].map((i) => slowUpload(api.url, tenant.adminKey, `cap-${i}`));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const third = await fetch(`${api.url}/ingest?batchId=cap-2`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          authorization: `Bearer ${tenant.adminKey}`,
        },
        body: '',
      });
      assert.equal(third.status, 429);
      assert.ok(Number(third.headers.get('retry-after')) >= 1);
      const body = (await third.json()) as { errors: Array<{ extensions: { code: string } }> };
      assert.equal(body.errors[0]!.extensions.code, 'RATE_LIMITED');
    } finally {
      for (const upload of uploads) upload.req?.destroy();
      await api.stop();
    }
  });

  it('cuts off an upload that stalls, with 408 and a reason', async () => {
    const api = await startTestApi(fx.db, {
      limits: { ...fx.api.config.limits, ingestIdleTimeoutMs: 300 },
    });
    try {
      const upload = slowUpload(api.url, fx.tenant.adminKey, 'stalled');
      const answer = await gqlWithin(upload.answer, 15_000, 'stalled upload');
      assert.equal(answer.status, 408);
      assert.match(answer.body, /REQUEST_TIMEOUT/);
    } finally {
      await api.stop();
    }
  });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After when no connection frees up in time', async () => {
    const api = await startTestApi(fx.db, {
      dbPoolSize: 1,
      database: { ...fx.api.config.database, acquireTimeoutMs: 300 },
    });
    // The owner locks api_keys: the first request's key lookup waits on the lock holding the one
    // connection, so the second waits for the pool.
    const owner = createAppDataSource(fx.db.ownerUrl, 1);
    await owner.initialize();
    const runner = owner.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query('lock table api_keys in access exclusive mode');
    try {
      const first = api.gql('{ me { slug } }', {}, fx.tenant.adminKey);
      await new Promise((r) => setTimeout(r, 200));
      const second = await gqlWithin(
        fetch(`${api.url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${fx.tenant.adminKey}`,
          },
          body: JSON.stringify({ query: '{ me { slug } }' }),
        }),
        15_000,
        'second request',
      );
      assert.equal(second.status, 503);
      assert.ok(Number(second.headers.get('retry-after')) >= 1);
      const body = (await second.json()) as { errors: Array<{ extensions: { code: string } }> };
      assert.equal(body.errors[0]!.extensions.code, 'SERVICE_UNAVAILABLE');
      await runner.rollbackTransaction();
      assert.equal((await first).data !== undefined, true);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
      await owner.destroy();
      await api.stop();
    }
  });
});

describe('a database outage (issue 10, Medium 10)', () => {
  const fx = useApiFixture();
  let proxy: net.Server;
  const sockets = new Set<net.Socket>();
  let api: TestApi;

  before(async () => {
    // The API reaches PostgreSQL through this proxy, which the test then takes away.
    const target = new URL(fx.db.appUrl);
    proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const viaProxy = new URL(fx.db.appUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String((proxy.address() as net.AddressInfo).port);
    api = await startTestApi({ appUrl: viaProxy.toString(), redisUrl: fx.db.redisUrl });
  });
  after(async () => {
    await api?.stop().catch(() => undefined);
    proxy?.close();
  });

  it('answers 503 SERVICE_UNAVAILABLE (retryable), not 500 INTERNAL', async () => {
    const endpoint = await api.gql(CREATE_ENDPOINT, { input: endpointInput() }, fx.tenant.adminKey);
    assert.equal(endpoint.status, 200);
    proxy.close();
    for (const socket of sockets) socket.destroy();
    const res = await gqlWithin(
      fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${fx.tenant.adminKey}`,
        },
        body: JSON.stringify({ query: '{ me { slug } }' }),
      }),
      20_000,
      '{ me } during the outage',
    );
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
    logger.debug({ body }, 'outage answer');
    assert.equal(body.errors[0]!.extensions.code, 'SERVICE_UNAVAILABLE');
    assert.equal(res.status, 503);
    assert.ok(res.headers.get('retry-after'));
    // Bulk ingestion says the same.
    const ingest = await fetch(`${api.url}/ingest?batchId=outage`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        authorization: `Bearer ${fx.tenant.adminKey}`,
      },
      body: '',
    });
    assert.equal(ingest.status, 503);
  });
});
