import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useApiFixture } from './helpers/api';
import { CREATE_ENDPOINT, endpointInput } from './helpers/factories';

interface Answer {
  accepted?: number;
  errors?: Array<{ message: string; extensions: { code: string; reason?: string } }>;
}

/** A liveness bound, not a latency assertion: before the fix these bodies got no answer. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Issue 10, items 8 and 11: hostile bodies on POST /ingest get a bounded, reasoned answer. */
describe('POST /ingest against hostile bodies', () => {
  const fx = useApiFixture();
  let endpointId: string;
  before(async () => {
    endpointId = (
      await fx.api.gql<{ createEndpoint: { id: string } }>(
        CREATE_ENDPOINT,
        { input: endpointInput() },
        fx.tenant.adminKey,
      )
    ).data!.createEndpoint.id;
  });

  const post = async (batchId: string, body: string, contentType: string) => {
    const response = await within(
      fetch(`${fx.api.url}/ingest?batchId=${batchId}`, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${fx.tenant.adminKey}` },
        body,
      }),
      20_000,
    );
    return { status: response.status, body: (await response.json()) as Answer };
  };

  it('refuses a line longer than 64 KiB as LINE_TOO_LONG, stores nothing', async () => {
    const good = JSON.stringify({
      endpointId,
      observedAt: new Date().toISOString(),
      latencyMs: 5,
    });
    const huge = `{"endpointId":"${endpointId}","pad":"${'x'.repeat(200 * 1024)}"}`;
    const { status, body } = await post(
      'long-line',
      `${good}\n${huge}\n${good}\n`,
      'application/x-ndjson',
    );
    assert.equal(status, 400);
    assert.equal(body.errors?.[0]?.extensions.reason, 'LINE_TOO_LONG');
  });

  it('refuses a body without any line break past 64 KiB, without reading it whole', async () => {
    const { status, body } = await post(
      'no-breaks',
      'x'.repeat(1024 * 1024),
      'application/x-ndjson',
    );
    assert.equal(status, 400);
    assert.equal(body.errors?.[0]?.extensions.reason, 'LINE_TOO_LONG');
  });

  it('answers a CSV with a stray quote with the parser’s reason', async () => {
    const csv = `endpointId,observedAt,latencyMs\n${endpointId},"${new Date().toISOString()},5\n`;
    const { status, body } = await post('stray-quote', csv, 'text/csv');
    assert.equal(status, 400);
    assert.equal(body.errors?.[0]?.extensions.code, 'BAD_USER_INPUT');
    assert.equal(body.errors?.[0]?.extensions.reason, 'CSV_UNREADABLE');
    assert.match(body.errors![0]!.message, /CSV/);
  });
});
