import assert from 'node:assert/strict';
import http from 'node:http';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { CREATE_ENDPOINT, endpointInput, makeTenant } from './helpers/factories';

interface BulkAnswer {
  batchId: string;
  accepted: number;
  rejected: number;
  replayed: boolean;
  rejections: Array<{ index: number; field: string; reason: string }>;
  errors?: Array<{ message: string; extensions: { code: string; reason?: string } }>;
}

const secondsAgo = (n: number) => new Date(Date.now() - n * 1000).toISOString();

describe('POST /ingest (bulk NDJSON and CSV through COPY)', () => {
  const fx = useApiFixture({ limits: { ...loadConfig().limits, maxIngestBytes: 256 * 1024 } });
  let endpointId: string;
  let foreignEndpointId: string;

  before(async () => {
    endpointId = (
      await fx.api.gql<{ createEndpoint: { id: string } }>(
        CREATE_ENDPOINT,
        { input: endpointInput() },
        fx.tenant.adminKey,
      )
    ).data!.createEndpoint.id;
    const other = await makeTenant(fx.db.dataSource, 'other');
    foreignEndpointId = (
      await fx.api.gql<{ createEndpoint: { id: string } }>(
        CREATE_ENDPOINT,
        { input: endpointInput() },
        other.adminKey,
      )
    ).data!.createEndpoint.id;
  });

  const post = async (
    batchId: string,
    body: string,
    contentType: string,
    key = fx.tenant.adminKey,
  ): Promise<{ status: number; body: BulkAnswer }> => {
    const response = await fetch(`${fx.api.url}/ingest?batchId=${encodeURIComponent(batchId)}`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${key}` },
      body,
    });
    return { status: response.status, body: (await response.json()) as BulkAnswer };
  };
  const stored = async (): Promise<number> =>
    (
      await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
        m.query('select count(*)::int as n from samples'),
      )
    )[0].n;
  const ndjson = (rows: unknown[]) =>
    rows.map((row) => (typeof row === 'string' ? row : JSON.stringify(row))).join('\n') + '\n';

  it('stores the good NDJSON rows and rejects each bad one, unreadable lines included', async () => {
    const before = await stored();
    const good = { endpointId, observedAt: secondsAgo(30), latencyMs: 42, statusCode: 200 };
    const { status, body } = await post(
      'nd-1',
      ndjson([
        good,
        '{not json',
        { ...good, latencyMs: 'fast' },
        { ...good, endpointId: foreignEndpointId },
        '[1,2]',
        { ...good, errorKind: 'dns', statusCode: null },
      ]),
      'application/x-ndjson',
    );
    assert.equal(status, 200);
    assert.deepEqual(
      {
        accepted: body.accepted,
        rejected: body.rejected,
        replayed: body.replayed,
        fields: body.rejections.map((r) => [r.index, r.field]),
      },
      {
        accepted: 2,
        rejected: 4,
        replayed: false,
        fields: [
          [1, 'row'],
          [2, 'latencyMs'],
          [3, 'endpointId'],
          [4, 'row'],
        ],
      },
    );
    assert.equal(await stored(), before + 2);
  });

  it('stores CSV with a header, and rejects rows with bad fields', async () => {
    const before = await stored();
    const csv = [
      'endpointId,observedAt,latencyMs,statusCode,errorKind',
      `${endpointId},${secondsAgo(20)},12.5,200,`,
      `${endpointId},${secondsAgo(19)},NaN,200,`,
      `${endpointId},${secondsAgo(18)},900,,timeout`,
      `${endpointId},${secondsAgo(17)},30,200,gremlins`,
    ].join('\n');
    const { status, body } = await post('csv-1', csv, 'text/csv');
    assert.equal(status, 200);
    assert.equal(body.accepted, 2);
    assert.deepEqual(
      body.rejections.map((r) => [r.index, r.field]),
      [
        [1, 'latencyMs'],
        [3, 'errorKind'],
      ],
    );
    assert.equal(await stored(), before + 2);
  });

  it('stores a retried bulk batch once', async () => {
    const before = await stored();
    const body = ndjson(
      Array.from({ length: 100 }, (_, i) => ({
        endpointId,
        observedAt: secondsAgo(i + 1),
        latencyMs: i,
      })),
    );
    const first = await post('bulk-retry', body, 'application/x-ndjson');
    const second = await post('bulk-retry', body, 'application/x-ndjson');
    assert.equal(first.body.replayed, false);
    assert.equal(second.body.replayed, true);
    assert.equal(second.body.accepted, 100);
    assert.equal(await stored(), before + 100);
  });

  it('refuses a body that is neither NDJSON nor CSV with 415, and a CSV without its header with 400', async () => {
    const before = await stored();
    const json = await post('bad-type', JSON.stringify([{ endpointId }]), 'application/json');
    assert.equal(json.status, 415);
    assert.equal(json.body.errors?.[0]?.extensions.code, 'BAD_USER_INPUT');
    const headless = await post('headless', `${endpointId},${secondsAgo(1)},5\n`, 'text/csv');
    assert.equal(headless.status, 400);
    assert.match(headless.body.errors?.[0]?.message ?? '', /CSV header must name/);
    assert.equal(await stored(), before);
    const retry = await post(
      'headless',
      `endpointId,observedAt,latencyMs\n${endpointId},${secondsAgo(1)},5\n`,
      'text/csv',
    );
    assert.equal(
      retry.body.replayed,
      false,
      'the refused batch left nothing behind, not even its id',
    );
    assert.equal(retry.body.accepted, 1);
  });

  it('refuses an oversized body with 413 and keeps none of its rows', async () => {
    const before = await stored();
    const row = JSON.stringify({ endpointId, observedAt: secondsAgo(5), latencyMs: 1 }) + '\n';
    const { status, body } = await post(
      'huge',
      row.repeat(Math.ceil((300 * 1024) / row.length)),
      'application/x-ndjson',
    );
    assert.equal(status, 413);
    assert.equal(body.errors?.[0]?.extensions.reason, 'BODY_TOO_LARGE');
    assert.equal(await stored(), before);
  });

  it('keeps what was acknowledged before a truncated upload, and nothing of the truncated one', async () => {
    const acknowledged = await post(
      'before-cut',
      ndjson([{ endpointId, observedAt: secondsAgo(3), latencyMs: 7 }]),
      'application/x-ndjson',
    );
    assert.equal(acknowledged.body.accepted, 1);
    const before = await stored();

    // Send half a body, then drop the connection mid-line.
    const url = new URL(`${fx.api.url}/ingest?batchId=cut`);
    const request = http.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        authorization: `Bearer ${fx.tenant.adminKey}`,
        'content-length': '100000',
      },
    });
    request.on('error', () => undefined);
    request.write(
      ndjson(
        Array.from({ length: 50 }, (_, i) => ({
          endpointId,
          observedAt: secondsAgo(i + 1),
          latencyMs: i,
        })),
      ),
    );
    request.write('{"endpointId":"' + endpointId.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));
    request.destroy();

    // The same batch id again waits for the aborted one to roll back, then is stored as new.
    const retry = await post(
      'cut',
      ndjson([{ endpointId, observedAt: secondsAgo(2), latencyMs: 9 }]),
      'application/x-ndjson',
    );
    assert.equal(retry.body.replayed, false);
    assert.equal(retry.body.accepted, 1);
    assert.equal(await stored(), before + 1);
  });

  it('needs an ingest or admin key', async () => {
    const body = ndjson([{ endpointId, observedAt: secondsAgo(1), latencyMs: 1 }]);
    assert.equal((await post('k1', body, 'application/x-ndjson', 'nope')).status, 401);
    assert.equal(
      (await post('k2', body, 'application/x-ndjson', await fx.tenant.key('read'))).status,
      403,
    );
    assert.equal(
      (await post('k3', body, 'application/x-ndjson', await fx.tenant.key('ingest'))).status,
      200,
    );
  });
});
