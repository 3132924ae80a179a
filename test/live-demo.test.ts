import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runLiveDemo } from '../src/demo/live-demo';
import { seedDemoTenant } from '../src/demo/seed-demo-tenant';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';

describe('sentinel demo --live', () => {
  const fx = useApiFixture();

  it('keeps adding synthetic samples for the demo endpoints, rolled up, until stopped', async () => {
    const demo = await seedDemoTenant(fx.db.dataSource, fx.api.config, `live-${Date.now()}`, 2, 3);
    const seededUntil = new Date();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 1500);
    const stored = await runLiveDemo(
      fx.db.dataSource,
      fx.api.config,
      demo.tenant.id,
      3,
      stop.signal,
      200,
    );
    assert.ok(stored >= demo.endpoints.length, `${stored} samples, at least one per endpoint`);
    const rows = await ownerQuery<{ endpoints: number; newest: Date }>(
      fx.db.ownerUrl,
      `select count(distinct endpoint_id)::int as endpoints, max(minute) as newest from rollups_minute where tenant_id = $1 and updated_at >= $2`,
      [demo.tenant.id, seededUntil],
    );
    assert.equal(rows[0]!.endpoints, demo.endpoints.length, 'every endpoint got fresh rollups');
  });
});
