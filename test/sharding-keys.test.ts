import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, ownerQuery, type TestDatabase } from './helpers/database';

/**
 * docs/SCALING.md shards PostgreSQL by tenant with Citus: every tenant table distributed on
 * tenant_id. Citus can only enforce a primary key, a unique index or a foreign key between
 * distributed tables when it contains the distribution column, and co-locates a tenant's rows
 * only when every key leads with it. These are the tables the plan replicates to every node
 * instead (reference tables), and why.
 */
const REFERENCE_TABLES: Record<string, string> = {
  tenants: 'looked up by slug across tenants (status pages, CLI)',
  api_keys: 'looked up by key hash before the tenant is known (authentication)',
  platform_keys: 'belong to no tenant',
  sentinel_migrations: 'belong to no tenant',
  platform_settings: 'one row of platform-wide limits the security-definer functions enforce',
};

interface KeyRow {
  table: string;
  kind: 'p' | 'f' | 'u';
  name: string;
  columns: string[];
}

describe('keys ready for sharding by tenant', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase()));
  after(() => db.drop());

  it("leads every tenant table's primary key, unique index and foreign key with tenant_id", async () => {
    const keys = await ownerQuery<KeyRow>(
      db.ownerUrl,
      `with tables as (
         select c.oid, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition),
       keys as (
         select t.relname, k.contype::text as kind, k.conname as name, k.conrelid as rel, k.conkey as cols
           from pg_constraint k join tables t on t.oid = k.conrelid where k.contype in ('p', 'f')
         union all
         select t.relname, 'u', i.indexrelid::regclass::text, i.indrelid, i.indkey::int2[]
           from pg_index i join tables t on t.oid = i.indrelid
          where i.indisunique and not i.indisprimary)
       select relname as table, kind, name,
              array(select a.attname::text from unnest(cols) with ordinality k(att, ord)
                      join pg_attribute a on a.attrelid = rel and a.attnum = k.att order by k.ord) as columns
         from keys order by 1, 2, 3`,
    );
    const tables = new Set(keys.map((k) => k.table));
    assert.ok(['endpoints', 'samples', 'predictions', 'models'].every((t) => tables.has(t)));

    const tenantTables = await ownerQuery<{ table: string }>(
      db.ownerUrl,
      `select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')`,
    );
    const distributed = new Set(
      tenantTables.map((t) => t.table).filter((t) => !(t in REFERENCE_TABLES)),
    );
    // The anonymised global training rows are distributed by the tenant that contributed them.
    distributed.add('global_feature_rows');
    const shardColumn = (table: string) =>
      table === 'global_feature_rows' ? 'contributor' : 'tenant_id';

    const wrong = keys
      .filter((k) => distributed.has(k.table) && k.columns[0] !== shardColumn(k.table))
      .map((k) => `${k.table}.${k.name} (${k.columns.join(', ')})`);
    assert.deepEqual(wrong, [], 'keys that do not lead with the distribution column');

    // Every table is either distributed or a named reference table: a new one must choose.
    const unplaced = [...tables].filter((t) => !distributed.has(t) && !(t in REFERENCE_TABLES));
    assert.deepEqual(unplaced, [], 'tables neither distributed nor reference tables');
  });
});
