import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { logger } from '../src/config/logger';
import type { Endpoint } from '../src/entities/endpoint.entity';
import { loadTf } from '../src/ml/backend';
import { FEATURE_NAMES, featureRows, type FeatureRow } from '../src/ml/features';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { endpointWithHistory } from './helpers/history';

const ANCHOR = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
const minute = (offset: number) => new Date(ANCHOR.getTime() + offset * 60_000);

describe('ML features and labels from rollups', () => {
  const fx = useApiFixture();
  let endpoint: Endpoint;
  let rows: FeatureRow[];

  before(async () => {
    // Ten samples a minute at 100 ms over minutes -90..0; minutes -30..-26 at 500 ms (slow).
    endpoint = await endpointWithHistory(fx, {
      sla: {
        latencyThresholdMs: 200,
        latencyPercentile: 95,
        errorRateThreshold: 0.05,
        windowMinutes: 5,
        availabilityTarget: 0.99,
      },
      anchor: ANCHOR,
      firstMinute: -90,
      sample: (m) => ({ latencyMs: m >= -30 && m <= -26 ? 500 : 100 }),
    });
    rows = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      featureRows(m, endpoint, minute(-80), minute(-10), 15),
    );
  });

  it('gives one row per minute with every feature, finite', () => {
    assert.equal(rows.length, 70);
    assert.ok(
      rows.every(
        (r) => r.features.length === FEATURE_NAMES.length && r.features.every(Number.isFinite),
      ),
    );
  });

  it('labels exactly the minutes whose next 15 minutes hold the onset', () => {
    const onsets = rows.filter((r) => r.onset).map((r) => r.minute.getTime());
    assert.deepEqual(onsets, [minute(-30).getTime()]);
    const labelled = rows
      .filter((r) => r.label === 1)
      .map((r) => (r.minute.getTime() - ANCHOR.getTime()) / 60_000);
    assert.deepEqual(
      labelled,
      Array.from({ length: 15 }, (_, i) => -45 + i),
    );
  });

  it('scales latency by the endpoint threshold and sees the slow run in its windows', () => {
    const at = (offset: number) =>
      rows.find((r) => r.minute.getTime() === minute(offset).getTime())!;
    const p95 = FEATURE_NAMES.indexOf('p95_ratio');
    const slow5 = FEATURE_NAMES.indexOf('slow_sla_5m');
    const since = FEATURE_NAMES.indexOf('since_breach');
    assert.equal(at(-40).features[p95], 100 / 200);
    assert.equal(at(-28).features[p95], 500 / 200);
    // 3 slow minutes of 5, relative to the 5% a p95 allows.
    assert.ok(Math.abs(at(-28).features[slow5]! - 3 / 5 / 0.05) < 1e-9);
    assert.equal(at(-40).features[since], 1, 'no breach yet: as long ago as it gets');
    assert.ok(at(-15).features[since]! < 0.5, 'shortly after the episode');
  });

  it('loads TensorFlow.js with the fastest backend available here', async () => {
    const { tf, backend } = await loadTf(logger);
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(backend));
    assert.equal(tf.getBackend(), backend);
    assert.equal(tf.tensor([1, 2, 3]).sum().dataSync()[0], 6);
  });
});
