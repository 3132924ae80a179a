import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { createEndpoint } from '../src/services/endpoints';
import { readAsTenant } from '../src/tenancy/read-as-tenant';
import { withTenant } from '../src/tenancy/with-tenant';
import { createTestDatabase, ownerQuery, type TestDatabase } from './helpers/database';
import { makeTenant, NEW_ENDPOINT as INPUT, type TestTenant } from './helpers/factories';
import { until } from './helpers/poll';

/**
 * readAsTenant (src/tenancy/read-as-tenant.ts): the tenant setting and a read in one round trip.
 * What it must never do: show another tenant's rows, leave the setting (or a transaction) on the
 * pooled connection for whoever uses it next, or run the read when the setting failed.
 */
describe('one-statement reads as a tenant', () => {
  let db: TestDatabase;
  let mine: TestTenant;
  let theirs: TestTenant;
  /** ReadyForQuery messages received on the pool's connections: one per round trip (Sync). */
  let roundTrips = 0;

  before(async () => {
    // One connection: whatever a read leaves on it, the next statement sees.
    db = await createTestDatabase({ poolSize: 1 });
    mine = await makeTenant(db.dataSource, 'mine');
    theirs = await makeTenant(db.dataSource, 'theirs');
    for (const [tenant, name] of [
      [mine, 'my endpoint'],
      [theirs, 'their endpoint'],
    ] as const)
      await withTenant(db.dataSource, tenant.id, (m) =>
        createEndpoint(m, tenant.id, { ...INPUT, name }),
      );
    const pool = (db.dataSource.driver as PostgresDriver).master as pg.Pool;
    const watched = new WeakSet<object>();
    pool.on('acquire', (client) => {
      const connection = (client as unknown as { connection: pg.Connection }).connection;
      if (watched.has(connection)) return;
      watched.add(connection);
      connection.on('readyForQuery', () => roundTrips++);
    });
  });
  after(() => db?.drop());

  /** The pooled connection's state: its tenant setting and any open transaction. */
  const connectionState = async () =>
    (
      await db.dataSource.query(
        `select coalesce(current_setting('app.tenant_id', true), '') as id,
                (select count(*)::int from pg_stat_activity
                  where datname = current_database() and state like 'idle in transaction%') as open`,
      )
    )[0];

  it("reads the tenant's own rows only, in one round trip", async () => {
    const before = roundTrips;
    const rows = await readAsTenant<{ name: string; setting: string }>(
      db.dataSource,
      mine.id,
      `select name, current_setting('app.tenant_id') as setting from endpoints`,
      [],
    );
    assert.equal(roundTrips - before, 1, 'one Sync, one ReadyForQuery');
    assert.deepEqual(rows, [{ name: 'my endpoint', setting: mine.id }]);
    const theirRows = await readAsTenant<{ name: string }>(
      db.dataSource,
      theirs.id,
      'select name from endpoints where name = $1',
      ['my endpoint'],
    );
    assert.deepEqual(theirRows, [], "another tenant's row is invisible, even by name");
  });

  it('leaves no tenant and no transaction on the connection, after a read or a failed one', async () => {
    await readAsTenant(db.dataSource, mine.id, 'select 1', []);
    assert.deepEqual(await connectionState(), { id: '', open: 0 });
    await assert.rejects(
      readAsTenant(db.dataSource, mine.id, 'select 1 / 0', []),
      (err: unknown) => err instanceof pg.DatabaseError && err.code === '22012',
    );
    await assert.rejects(
      readAsTenant(db.dataSource, mine.id, 'select * from no_such_table', []),
      /no_such_table/,
    );
    assert.deepEqual(await connectionState(), { id: '', open: 0 });
    // A read cancelled while it runs (as statement_timeout cancels one: 57014).
    const sleeping = readAsTenant(db.dataSource, mine.id, 'select pg_sleep(30)', []).then(
      () => undefined,
      (err: unknown) => err,
    );
    await until(
      async () =>
        (
          await ownerQuery<{ n: number }>(
            db.ownerUrl,
            `select count(pg_cancel_backend(pid))::int as n from pg_stat_activity
              where datname = current_database() and query = 'select pg_sleep(30)'`,
          )
        )[0]!.n > 0,
      'the read is running, then cancelled',
    );
    const err = await sleeping;
    assert.ok(err instanceof pg.DatabaseError && err.code === '57014', String(err));
    assert.deepEqual(await connectionState(), { id: '', open: 0 });
  });

  it('runs nothing when the tenant id is not one', async () => {
    const before = roundTrips;
    await assert.rejects(
      readAsTenant(db.dataSource, "x'; select 1; --", 'select 1', []),
      /not a tenant id/,
    );
    assert.equal(roundTrips, before);
  });

  it('runs a read that changes the tenant setting as a read of its own, never past the Sync', async () => {
    // The read may not widen what it sees: the setting it makes ends with the implicit transaction.
    const rows = await readAsTenant<{ id: string }>(
      db.dataSource,
      mine.id,
      `select set_config('app.tenant_id', $1, true) as id`,
      [theirs.id],
    );
    assert.equal(rows[0]!.id, theirs.id);
    assert.deepEqual(await connectionState(), { id: '', open: 0 });
  });
});
