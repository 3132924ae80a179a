import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP_ROLE } from '../src/db/urls';
import { createTestDatabase, ownerQuery, type TestDatabase } from './helpers/database';

describe('database catalog', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase()));
  after(() => db.drop());

  it('has row-level security enabled and forced on every table with a tenant_id column', async () => {
    // Partitions are made at run time; make some so they are checked too.
    await db.dataSource.query(
      `select ensure_sample_partitions(current_date - 1, current_date + 1)`,
    );
    const tables = await ownerQuery<{
      table: string;
      enabled: boolean;
      forced: boolean;
      policies: number;
    }>(
      db.ownerUrl,
      `select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
              (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname = 'public'
          and (exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
               or c.relname = 'tenants')`,
    );
    assert.ok(
      tables.some((t) => /^samples_\d{8}$/.test(t.table)),
      'partitions are among the checked tables',
    );
    const unsafe = tables
      .filter((t) => !t.enabled || !t.forced || t.policies === 0)
      .map((t) => t.table);
    assert.deepEqual(
      unsafe,
      [],
      `tables without enabled+forced RLS and a policy: ${unsafe.join(', ')}`,
    );
  });

  it('runs every security-definer function with a search_path that cannot be hijacked', async () => {
    // A definer runs as its owner; with the caller's temporary schema (or any schema the caller
    // can write) searched before the owner's objects, the caller chooses what the owner runs.
    // Safe: an empty path, or one without public/$user that lists pg_temp explicitly and last.
    const functions = await ownerQuery<{ name: string; config: string[] | null }>(
      db.ownerUrl,
      `select p.oid::regprocedure::text as name, p.proconfig as config
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema')`,
    );
    assert.ok(functions.length >= 9, 'the definer functions are found');
    const unsafe = functions
      .filter((f) => {
        const setting = (f.config ?? []).find((c) => c.startsWith('search_path='));
        if (setting === undefined) return true;
        const schemas = setting
          .slice('search_path='.length)
          .split(',')
          .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
          .filter((s) => s !== '');
        if (schemas.length === 0) return false;
        return (
          schemas.some((s) => s !== 'pg_catalog' && s !== 'pg_temp') ||
          schemas[schemas.length - 1] !== 'pg_temp'
        );
      })
      .map((f) => `${f.name} (${(f.config ?? []).join(' ')})`);
    assert.deepEqual(
      unsafe,
      [],
      `definer functions with an unsafe search_path: ${unsafe.join(', ')}`,
    );
  });

  it('gives the app role no ownership, no BYPASSRLS and no superuser', async () => {
    const [role] = await ownerQuery<{
      rolsuper: boolean;
      rolbypassrls: boolean;
      rolcreaterole: boolean;
    }>(
      db.ownerUrl,
      'select rolsuper, rolbypassrls, rolcreaterole from pg_roles where rolname = $1',
      [APP_ROLE],
    );
    assert.deepEqual(role, { rolsuper: false, rolbypassrls: false, rolcreaterole: false });
    const owned = await ownerQuery(
      db.ownerUrl,
      `select c.relname from pg_class c join pg_roles r on r.oid = c.relowner
        where r.rolname = $1
       union all
       select p.proname from pg_proc p join pg_roles r on r.oid = p.proowner where r.rolname = $1`,
      [APP_ROLE],
    );
    assert.deepEqual(owned, []);
  });

  it('keeps tenant_id in every primary and foreign key of tenant tables (shardable by tenant)', async () => {
    const missing = await ownerQuery<{ constraint: string }>(
      db.ownerUrl,
      `select con.conname as constraint from pg_constraint con
         join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and con.contype in ('p', 'f')
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
          and not exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attnum = any(con.conkey)
                           and a.attname = 'tenant_id')`,
    );
    assert.deepEqual(missing, []);
  });

  it('does not let the app role read platform keys or write the migrations table', async () => {
    await assert.rejects(db.dataSource.query('select * from platform_keys'), /permission denied/);
    await assert.rejects(
      db.dataSource.query('select * from sentinel_migrations where false for update'),
      /permission denied/,
    );
  });
});
