import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Endpoint } from '../src/entities/endpoint.entity';
import { featureRows, type FeatureRow } from '../src/ml/features';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { endpointWithHistory } from './helpers/history';

const ANCHOR = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
const minute = (offset: number) => new Date(ANCHOR.getTime() + offset * 60_000);

describe('a minute that stands on too little data', () => {
  const fx = useApiFixture();
  let endpoint: Endpoint;
  let rows: FeatureRow[];

  before(async () => {
    endpoint = await endpointWithHistory(fx, {
      sla: { latencyThresholdMs: 200, windowMinutes: 5 },
      anchor: ANCHOR,
      firstMinute: -300,
      sample: () => ({ latencyMs: 100 }),
    });
    // A 17-minute gap, then one sample in minute 0 (a slow one: alone, it would look alarming).
    await ownerQuery(
      fx.db.ownerUrl,
      `delete from rollups_minute where endpoint_id = $1 and minute > $2 and minute < $3`,
      [endpoint.id, minute(-18), minute(0)],
    );
    await ownerQuery(
      fx.db.ownerUrl,
      `update rollups_minute set sample_count = 1, slow_count = 1, latency_p50 = 900, latency_p95 = 900, latency_p99 = 900
        where endpoint_id = $1 and minute = $2`,
      [endpoint.id, minute(0)],
    );
    rows = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      featureRows(m, endpoint, minute(-60), minute(0), 15),
    );
  });

  it('says it has too little data, with the reason, and is not a training row', () => {
    const last = rows.at(-1)!;
    assert.equal(last.minute.getTime(), minute(0).getTime());
    assert.match(
      last.insufficient!,
      /^only 1 sample in the last 15 minutes \(at least \d+ needed\)$/,
    );
    const before = rows.find((r) => r.minute.getTime() === minute(-20).getTime())!;
    assert.equal(before.insufficient, null, 'a normal minute has enough data');
  });
});
