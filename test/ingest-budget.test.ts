import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/config';
import { useApiFixture } from './helpers/api';
import { CREATE_ENDPOINT, endpointInput, makeTenant, type TestTenant } from './helpers/factories';

/** A batch of `rows` valid samples of one endpoint, as NDJSON. */
const batchOf = (endpointId: string, rows: number) =>
  Array.from({ length: rows }, (_, i) =>
    JSON.stringify({
      endpointId,
      observedAt: new Date(Date.now() - i * 1000).toISOString(),
      latencyMs: 40,
      statusCode: 200,
    }),
  ).join('\n');

/**
 * Issue 10: `POST /ingest` spent no rate budget, so a key refused on GraphQL could go on
 * uploading without end. An upload now costs a point per ten rows (as `ingestSamples` does),
 * from the same key, tenant and address budgets, and a spent budget refuses the next upload.
 */
describe('uploads spend the rate budgets', () => {
  // 300 points a minute: three uploads of 1000 rows (100 points each).
  const fx = useApiFixture({
    limits: {
      ...loadConfig().limits,
      rateLimitKeyPointsPerMinute: 300,
      rateLimitIpKeyedPointsPerMinute: 0,
      rateLimitBurstSeconds: 60,
    },
  });

  const endpointOf = async (tenant: TestTenant) =>
    (
      await fx.api.gql<{ createEndpoint: { id: string } }>(
        CREATE_ENDPOINT,
        { input: endpointInput() },
        tenant.adminKey,
      )
    ).data!.createEndpoint.id;
  const upload = async (tenant: TestTenant, endpointId: string, batchId: string) => {
    const res = await fetch(`${fx.api.url}/ingest?batchId=${batchId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        authorization: `Bearer ${tenant.adminKey}`,
      },
      body: batchOf(endpointId, 1000),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as {
        accepted?: number;
        errors?: Array<{ extensions: { code: string; budget?: string } }>;
      },
    };
  };

  it("refuses a key's uploads once its budget is spent; another tenant uploads on", async () => {
    const endpointId = await endpointOf(fx.tenant);
    const statuses: number[] = [];
    let refusal: Awaited<ReturnType<typeof upload>> | undefined;
    for (let i = 0; i < 10 && !refusal; i++) {
      const res = await upload(fx.tenant, endpointId, `b${i}`);
      statuses.push(res.status);
      if (res.status === 429) refusal = res;
      else assert.equal(res.body.accepted, 1000, JSON.stringify(res.body));
    }
    // The endpoint creation spent a few points, so the third upload spends the budget and the
    // fourth is refused.
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(refusal!.body.errors![0]!.extensions.code, 'RATE_LIMITED');
    assert.equal(refusal!.body.errors![0]!.extensions.budget, 'key');
    assert.ok(Number(refusal!.retryAfter) >= 1);

    const other = await makeTenant(fx.db.dataSource);
    const res = await upload(other, await endpointOf(other), 'other');
    assert.equal(res.body.accepted, 1000, JSON.stringify(res.body));
  });
});
