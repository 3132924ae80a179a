import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withTenant } from '../src/tenancy/with-tenant';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { makeTenant, type TestTenant } from './helpers/factories';

const INSERT_ENDPOINT = `
  insert into endpoints (tenant_id, id, name, url, method, expected_status_codes, probe_interval_seconds,
    timeout_ms, latency_threshold_ms, latency_percentile, error_rate_threshold, window_minutes, availability_target)
  values ($1, gen_random_uuid(), 'e', 'https://x.example', 'GET', '{200}', 60, 1000, 300, 95, 0.05, 5, 0.999)
  returning id`;

describe('row-level security, attacked in SQL as the app role', () => {
  let db: TestDatabase;
  let a: TestTenant;
  let b: TestTenant;
  let endpointOfB: string;

  before(async () => {
    // A pool of one: every query below reuses the same connection, the worst case for leaks.
    db = await createTestDatabase({ poolSize: 1 });
    a = await makeTenant(db.dataSource, 'a');
    b = await makeTenant(db.dataSource, 'b');
    const rows = await withTenant(db.dataSource, b.id, (m) => m.query(INSERT_ENDPOINT, [b.id]));
    endpointOfB = rows[0].id;
  });
  after(() => db.drop());

  it("hides the other tenant's rows from reads by id", async () => {
    const rows = await withTenant(db.dataSource, a.id, (m) =>
      m.query('select * from endpoints where id = $1', [endpointOfB]),
    );
    assert.deepEqual(rows, []);
    const keys = await withTenant(db.dataSource, a.id, (m) =>
      m.query('select * from api_keys where tenant_id = $1', [b.id]),
    );
    assert.deepEqual(keys, []);
    const tenants = await withTenant(db.dataSource, a.id, (m) =>
      m.query('select slug from tenants'),
    );
    assert.deepEqual(tenants, [{ slug: a.slug }]);
  });

  it('updates and archives nothing of the other tenant', async () => {
    const [, updated] = await withTenant(db.dataSource, a.id, (m) =>
      m.query(`update endpoints set name = 'pwned', archived_at = now() where id = $1`, [
        endpointOfB,
      ]),
    );
    assert.equal(updated, 0);
    const [row] = await withTenant(db.dataSource, b.id, (m) =>
      m.query('select name, archived_at from endpoints where id = $1', [endpointOfB]),
    );
    assert.deepEqual(row, { name: 'e', archived_at: null });
  });

  it("refuses inserting a row with the other tenant's tenant_id", async () => {
    await assert.rejects(
      withTenant(db.dataSource, a.id, (m) => m.query(INSERT_ENDPOINT, [b.id])),
      /row-level security/,
    );
  });

  it('refuses moving a row to another tenant', async () => {
    const [own] = await withTenant(db.dataSource, a.id, (m) => m.query(INSERT_ENDPOINT, [a.id]));
    await assert.rejects(
      withTenant(db.dataSource, a.id, (m) =>
        m.query('update endpoints set tenant_id = $1 where id = $2', [b.id, own.id]),
      ),
      /permission denied|row-level security/,
    );
  });

  it('returns no rows when no tenant is set, even on a connection that had one', async () => {
    await withTenant(db.dataSource, b.id, (m) => m.query('select 1'));
    assert.deepEqual(await db.dataSource.query('select * from endpoints'), []);
    assert.deepEqual(await db.dataSource.query('select * from tenants'), []);
    assert.deepEqual(await db.dataSource.query('select * from api_keys'), []);
    await assert.rejects(db.dataSource.query(INSERT_ENDPOINT, [b.id]), /row-level security/);
  });

  it('does not carry one tenant into the next transaction on the same pooled connection', async () => {
    const seenByA = await withTenant(db.dataSource, a.id, (m) =>
      m.query(`select current_setting('app.tenant_id') as t`),
    );
    const seenAfter = await db.dataSource.query(`select current_tenant_id() as t`);
    const seenByB = await withTenant(db.dataSource, b.id, (m) =>
      m.query('select tenant_id from endpoints'),
    );
    assert.equal(seenByA[0].t, a.id);
    assert.equal(seenAfter[0].t, null);
    assert.ok(
      seenByB.length > 0 && seenByB.every((r: { tenant_id: string }) => r.tenant_id === b.id),
    );
  });

  it('cannot take another role to get around the policies', async () => {
    await assert.rejects(db.dataSource.query('set role postgres'), /permission denied/);
  });
});
