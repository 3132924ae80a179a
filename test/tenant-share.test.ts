import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { createAppDataSource } from '../src/db/data-source';
import { limitTenantConcurrency } from '../src/tenancy/tenant-slots';
import { withTenant } from '../src/tenancy/with-tenant';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { makeTenant, type TestTenant } from './helpers/factories';

/**
 * Issue 10: one request of many aliased fields ran them all at once, a pooled connection each
 * (the flood's 13 `telemetry` fields against a pool of 10), while another tenant's `{ me }`
 * waited for a connection. The API caps each tenant's concurrent units of work on its pool
 * (DB_CONNECTIONS_PER_TENANT).
 */
describe('a tenant’s share of the connection pool', () => {
  let db: TestDatabase;
  let pool: DataSource;
  let greedy: TestTenant;
  let bystander: TestTenant;

  before(async () => {
    db = await createTestDatabase();
    pool = await createAppDataSource(db.appUrl, 4).initialize();
    limitTenantConcurrency(pool, 2, 60_000);
    greedy = await makeTenant(db.dataSource);
    bystander = await makeTenant(db.dataSource);
  });
  after(async () => {
    await pool?.destroy();
    await db?.drop();
  });

  it('runs at most its share of a tenant’s work at once; another tenant goes past its queue', async () => {
    let running = 0;
    let most = 0;
    let greedyDone = 0;
    const slow = () =>
      withTenant(pool, greedy.id, async (m) => {
        most = Math.max(most, ++running);
        await m.query('select pg_sleep(1)');
        running--;
        greedyDone++;
      });
    const burst = Array.from({ length: 8 }, slow);
    // Started after the whole burst, on a pool of four: not behind the greedy tenant's queue.
    const [row] = await withTenant(pool, bystander.id, (m) =>
      m.query(`select current_setting('app.tenant_id') as tenant`),
    );
    assert.equal(row.tenant, bystander.id);
    assert.equal(greedyDone, 0, 'the bystander did not wait for a greedy unit to end');
    await Promise.all(burst);
    assert.equal(most, 2, 'two of the greedy tenant’s units at a time');
    // Work nested inside a unit takes no slot of its own (it would wait for its caller's).
    await withTenant(pool, greedy.id, () => withTenant(pool, greedy.id, async () => undefined));
  });
});
