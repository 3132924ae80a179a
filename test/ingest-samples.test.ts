import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { logger } from '../src/config/logger';
import { startWorker } from '../src/processes/worker';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { CREATE_ENDPOINT, endpointInput, makeTenant, type TestTenant } from './helpers/factories';

const INGEST = `mutation($input: IngestSamplesInput!) {
  ingestSamples(input: $input) { batchId accepted rejected replayed rejections { index field reason } } }`;

interface IngestAnswer {
  ingestSamples: {
    batchId: string;
    accepted: number;
    rejected: number;
    replayed: boolean;
    rejections: Array<{ index: number; field: string; reason: string }>;
  };
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

describe('ingestSamples', () => {
  const fx = useApiFixture();
  let endpointId: string;
  let other: TestTenant;
  let foreignEndpointId: string;
  let ingestKey: string;
  let worker: { stop: () => Promise<void> };

  before(async () => {
    // Both endpoints passive: the worker started below would otherwise probe them and store
    // samples of its own while a test counts the stored rows (the "mixed batch" flakes: 4 rows,
    // not 3; and 1 row in the other tenant, not 0).
    const created = await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput({ probeEnabled: false }) },
      fx.tenant.adminKey,
    );
    endpointId = created.data!.createEndpoint.id;
    other = await makeTenant(fx.db.dataSource, 'other');
    const foreign = await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput({ probeEnabled: false }) },
      other.adminKey,
    );
    foreignEndpointId = foreign.data!.createEndpoint.id;
    ingestKey = await fx.tenant.key('ingest');
    worker = await startWorker(
      fx.api.config,
      { appDatabaseUrl: fx.db.appUrl, redisUrl: fx.db.redisUrl },
      logger,
    );
  });
  after(() => worker.stop());

  const storedRows = async (tenantId: string): Promise<number> =>
    (
      await withTenant(fx.db.dataSource, tenantId, (m) =>
        m.query('select count(*)::int as n from samples'),
      )
    )[0].n;

  const ingest = (batchId: string, samples: unknown[], key = ingestKey) =>
    fx.api.gql<IngestAnswer>(INGEST, { input: { batchId, samples } }, key);

  it('keeps the good rows of a mixed batch and rejects each bad one with its index and reason', async () => {
    const before = await storedRows(fx.tenant.id);
    const good = { endpointId, observedAt: minutesAgo(1), latencyMs: 120, statusCode: 200 };
    const samples = [
      good,
      { ...good, endpointId: '00000000-0000-4000-8000-000000000001' },
      { ...good, endpointId: foreignEndpointId },
      { ...good, latencyMs: -1 },
      { ...good, statusCode: 99 },
      { ...good, statusCode: 600 },
      { ...good, observedAt: 'yesterday' },
      { ...good, observedAt: new Date(Date.now() - 91 * 86_400_000).toISOString() },
      { ...good, observedAt: new Date(Date.now() + 3_600_000).toISOString() },
      { ...good, errorKind: 'cosmic_ray' },
      { ...good, statusCode: null, errorKind: 'timeout', latencyMs: 10_000 },
      { ...good, endpointId: endpointId.toUpperCase(), latencyMs: 0 },
    ];
    const raw = await ingest('mixed-1', samples);
    const answer = raw.data!.ingestSamples;
    assert.equal(answer.accepted, 3);
    assert.equal(answer.rejected, 9);
    assert.deepEqual(
      answer.rejections.map((r) => [r.index, r.field]),
      [
        [1, 'endpointId'],
        [2, 'endpointId'],
        [3, 'latencyMs'],
        [4, 'statusCode'],
        [5, 'statusCode'],
        [6, 'observedAt'],
        [7, 'observedAt'],
        [8, 'observedAt'],
        [9, 'errorKind'],
      ],
    );
    assert.equal(
      answer.rejections[1]!.reason,
      answer.rejections[0]!.reason,
      "another tenant's endpoint looks like an unknown one",
    );
    assert.equal(await storedRows(fx.tenant.id), before + 3);
    assert.equal(await storedRows(other.id), 0, 'nothing reached the other tenant');
  });

  it('stores a retried batch once and says it was a replay', async () => {
    const before = await storedRows(fx.tenant.id);
    const samples = [
      { endpointId, observedAt: minutesAgo(2), latencyMs: 80, statusCode: 200 },
      { endpointId, observedAt: 'bad', latencyMs: 1 },
    ];
    const first = (await ingest('retry-1', samples)).data!.ingestSamples;
    const second = (await ingest('retry-1', samples)).data!.ingestSamples;
    assert.deepEqual({ ...first, replayed: true }, second);
    assert.equal(first.replayed, false);
    assert.equal(await storedRows(fx.tenant.id), before + 1);
  });

  it('stores two concurrent identical batches once', async () => {
    const before = await storedRows(fx.tenant.id);
    const samples = Array.from({ length: 50 }, (_, i) => ({
      endpointId,
      observedAt: minutesAgo(3),
      latencyMs: i,
      statusCode: 200,
    }));
    const answers = await Promise.all([
      ingest('race-1', samples),
      ingest('race-1', samples),
      ingest('race-1', samples),
    ]);
    const replays = answers.map((a) => a.data!.ingestSamples.replayed).sort();
    assert.deepEqual(replays, [false, true, true]);
    assert.equal(await storedRows(fx.tenant.id), before + 50);
  });

  it('keeps batch ids per tenant: the same id from another tenant is a new batch', async () => {
    await ingest('shared-id', [{ endpointId, observedAt: minutesAgo(1), latencyMs: 1 }]);
    const theirs = (
      await ingest(
        'shared-id',
        [{ endpointId: foreignEndpointId, observedAt: minutesAgo(1), latencyMs: 1 }],
        other.adminKey,
      )
    ).data!.ingestSamples;
    assert.equal(theirs.replayed, false);
    assert.equal(theirs.accepted, 1);
  });

  it('refuses a batch over the row limit with BAD_USER_INPUT and stores nothing', async () => {
    const before = await storedRows(fx.tenant.id);
    const samples = Array.from({ length: fx.api.config.limits.ingestBatchRows + 1 }, () => ({
      endpointId,
      observedAt: minutesAgo(1),
      latencyMs: 1,
    }));
    const response = await ingest('too-big', samples);
    assert.equal(response.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(await storedRows(fx.tenant.id), before);
    const retry = (await ingest('too-big', samples.slice(0, 10))).data!.ingestSamples;
    assert.equal(retry.replayed, false, 'a refused batch did not burn its id');
  });

  it('needs the ingest or admin scope', async () => {
    const response = await ingest(
      'scoped',
      [{ endpointId, observedAt: minutesAgo(1), latencyMs: 1 }],
      await fx.tenant.key('read'),
    );
    assert.equal(response.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('rolls up each minute (count, errors, percentiles) to what SQL computes over the raw rows', async () => {
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
    const latencies = [12, 15, 18, 22, 30, 41, 55, 80, 130, 400, 950];
    const samples = latencies.map((latencyMs, i) => ({
      endpointId,
      observedAt: new Date(minute.getTime() + i * 5000).toISOString(),
      latencyMs,
      statusCode: i === 9 ? 503 : 200,
      errorKind: i === 9 ? 'unexpected_status' : i === 10 ? 'timeout' : null,
    }));
    await ingest('rollup-1', samples);
    type Rollup = {
      sample_count: number;
      error_count: number;
      errors_timeout: number;
      latency_p50: number;
      latency_p95: number;
      latency_p99: number;
      latency_max: number;
    };
    const read = () =>
      withTenant(
        fx.db.dataSource,
        fx.tenant.id,
        async (m): Promise<Rollup | undefined> =>
          (
            await m.query(
              'select sample_count, error_count, errors_timeout, latency_p50, latency_p95, latency_p99, latency_max from rollups_minute where endpoint_id = $1 and minute = $2',
              [endpointId, minute],
            )
          )[0],
      );
    let rollup: Rollup | undefined;
    for (let i = 0; i < 200 && rollup?.sample_count !== latencies.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      rollup = await read();
    }
    const [direct] = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      m.query(
        // Percentiles over the successful samples only (SPEC section 4); the maximum over all.
        `select percentile_cont(0.5) within group (order by latency_ms) filter (where error_kind is null) as p50,
              percentile_cont(0.95) within group (order by latency_ms) filter (where error_kind is null) as p95,
              percentile_cont(0.99) within group (order by latency_ms) filter (where error_kind is null) as p99, max(latency_ms) as max
         from samples where endpoint_id = $1 and observed_at >= $2 and observed_at < $2::timestamptz + interval '1 minute'`,
        [endpointId, minute],
      ),
    );
    assert.deepEqual(rollup, {
      sample_count: 11,
      error_count: 2,
      errors_timeout: 1,
      latency_p50: direct.p50,
      latency_p95: direct.p95,
      latency_p99: direct.p99,
      latency_max: direct.max,
    });
    assert.equal(direct.p50, 30, 'the median of the nine successful samples');

    // A late sample for the same minute updates its rollup.
    await ingest('rollup-late', [
      {
        endpointId,
        observedAt: new Date(minute.getTime() + 59_000).toISOString(),
        latencyMs: 5000,
      },
    ]);
    for (let i = 0; i < 200 && rollup?.sample_count !== 12; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      rollup = await read();
    }
    assert.equal(rollup?.sample_count, 12);
    assert.equal(rollup?.latency_max, 5000);
  });
});
