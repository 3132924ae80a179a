import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { createTestDatabase, ownerQuery, type TestDatabase } from './helpers/database';

const TENANT0 = '00000000-0000-0000-0000-000000000000';
const FORGED = '11111111-1111-1111-1111-111111111111';

/**
 * Someone holding the app role's login (not a superuser, no BYPASSRLS) attacks the
 * security-definer functions through its session's temporary schema (issue 10, High 1).
 */
describe('security-definer functions against a leaked app-role login', () => {
  let db: TestDatabase;
  let app: Client;
  before(async () => {
    db = await createTestDatabase({ poolSize: 1 });
    app = new Client({ connectionString: db.appUrl });
    await app.connect();
  });
  after(async () => {
    await app.end();
    await db.drop();
  });

  it('ignores a temporary view named tenants (no forged tenant id)', async () => {
    await app.query(
      `create temp view tenants as select '${FORGED}'::uuid as id, 'tenant0'::text as slug`,
    );
    try {
      const { rows } = await app.query(`select tenant_id_by_slug('tenant0') as id`);
      assert.equal(rows[0].id, TENANT0);
    } finally {
      await app.query('drop view pg_temp.tenants');
    }
  });

  it('ignores a temporary platform_keys table (no forged platform principal)', async () => {
    await app.query(
      `create temp table platform_keys (id uuid, key_hash bytea, revoked_at timestamptz)`,
    );
    try {
      await app.query(
        `insert into pg_temp.platform_keys values ($1, sha256('forged'::bytea), null)`,
        [FORGED],
      );
      const { rows } = await app.query(
        `select * from authenticate_api_key(sha256('forged'::bytea))`,
      );
      assert.deepEqual(rows, []);
    } finally {
      await app.query('drop table pg_temp.platform_keys');
    }
  });

  it('never runs a pg_temp function of the caller as the owner', async () => {
    await app.query(`create temp table seen (who text)`);
    await app.query(`create function pg_temp.spy() returns uuid language plpgsql as $$
      begin insert into pg_temp.seen values (current_user); return null; end $$`);
    await app.query(`create temp view tenants as select pg_temp.spy() as id, 'x'::text as slug`);
    await app.query(
      `create temp view endpoints as select pg_temp.spy() as tenant_id, null::timestamptz as archived_at`,
    );
    try {
      await app.query(`select tenant_id_by_slug('x')`);
      await app.query(`select * from tenants_to_score()`);
      await app.query(`select * from contributing_tenants()`);
      const { rows } = await app.query('select who from pg_temp.seen');
      assert.deepEqual(rows, [], 'the spy ran inside a definer function');
    } finally {
      await app.query('drop view pg_temp.tenants, pg_temp.endpoints');
      await app.query('drop table pg_temp.seen');
    }
  });

  it('refuses retentions below the operator\u2019s and keeps every partition', async () => {
    await ownerQuery(
      db.ownerUrl,
      `select ensure_sample_partitions(current_date - 3, current_date + 1)`,
    );
    const count = async () =>
      (
        await ownerQuery<{ n: number }>(
          db.ownerUrl,
          `select count(*)::int as n from pg_inherits where inhparent = 'samples'::regclass`,
        )
      )[0]!.n;
    const before = await count();
    for (const days of [-1000, 0, 1, null]) {
      await assert.rejects(
        app.query('select drop_expired_sample_partitions($1)', [days]),
        (err: { code?: string }) => err.code === '22023',
        `retention ${days} is refused`,
      );
      await assert.rejects(
        app.query('select delete_expired_predictions($1)', [days]),
        (err: { code?: string }) => err.code === '22023',
      );
      await assert.rejects(
        app.query('select delete_expired_alert_log($1)', [days]),
        (err: { code?: string }) => err.code === '22023',
      );
      // The webhook delivery log keeps 30 days, whatever the samples' retention.
      await assert.rejects(
        app.query('select delete_expired_webhook_deliveries($1)', [days]),
        (err: { code?: string }) => err.code === '22023',
      );
    }
    for (const days of [29, 36_501])
      await assert.rejects(
        app.query('select delete_expired_webhook_deliveries($1)', [days]),
        (err: { code?: string }) => err.code === '22023',
      );
    assert.equal(await count(), before);
    // The operator's retention (90 days by default) is still accepted.
    await app.query('select drop_expired_sample_partitions(90)');
    assert.equal(await count(), before);
  });

  it('refuses an inverted or unbounded partition range', async () => {
    await assert.rejects(
      app.query(`select ensure_sample_partitions(current_date, current_date - 5)`),
      (err: { code?: string }) => err.code === '22023',
    );
    await assert.rejects(
      app.query(`select ensure_sample_partitions(current_date, null)`),
      (err: { code?: string }) => err.code === '22023',
    );
  });

  it('enforces k and the caps of the global aggregate inside the database', async () => {
    const platform = new Client({ connectionString: db.platformUrl });
    await platform.connect();
    try {
      // The caller asks for k = 1 and no caps; the database keeps its own k (3 by default).
      await assert.rejects(
        platform.query('select * from global_training_rows(1, 2147483647, 1, 0)'),
        /at least 3 are needed/,
      );
    } finally {
      await platform.end();
    }
  });
});
