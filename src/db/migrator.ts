import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, escapeLiteral } from 'pg';
import type { Logger } from '../config/logger';
import { APP_ROLE, PLATFORM_ROLE } from './urls';

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../../migrations');

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

function migrationFiles(): MigrationFile[] {
  return fs
    .readdirSync(MIGRATIONS_DIR)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, name), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

/** Limits the database enforces whatever its callers ask (migrations/0010_hardening.sql). */
export interface PlatformSettings {
  sampleRetentionDays: number;
  globalMinTenants: number;
  globalMaxRowsPerTenant: number;
  globalMaxShare: number;
}

async function writePlatformSettings(client: Client, settings: PlatformSettings): Promise<void> {
  await client.query(
    `update platform_settings set sample_retention_days = $1, global_min_tenants = $2,
            global_max_rows_per_tenant = $3, global_max_share = $4`,
    [
      settings.sampleRetentionDays,
      settings.globalMinTenants,
      settings.globalMaxRowsPerTenant,
      settings.globalMaxShare,
    ],
  );
}

// Any fixed number: it only has to be the same in every Sentinel process.
const MIGRATION_LOCK = 4_207_001;

/**
 * Applies pending migrations as the owner, one transaction per file, under an advisory lock so
 * that several processes starting together apply each file once. Then gives the app role the
 * password Sentinel holds for it (when it manages that login).
 */
export async function migrate(options: {
  ownerDatabaseUrl: string;
  /** The app role's password, set when this migrate creates the role (an existing one is kept). */
  appDbPassword?: string;
  /** Likewise for the platform role. */
  platformDbPassword?: string;
  /** What callers of the definer functions may not loosen (platform_settings); kept if absent. */
  settings?: PlatformSettings;
  logger: Logger;
}): Promise<string[]> {
  const client = new Client({ connectionString: options.ownerDatabaseUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    // Roles are cluster-wide: another Sentinel database on this server may use them already.
    const existingRoles = new Set(
      (
        await client.query<{ rolname: string }>(
          'select rolname from pg_roles where rolname = any($1)',
          [[APP_ROLE, PLATFORM_ROLE]],
        )
      ).rows.map((row) => row.rolname),
    );
    await client.query(`create table if not exists sentinel_migrations (
      name text primary key, checksum text not null, applied_at timestamptz not null default now())`);
    const applied = new Map(
      (
        await client.query<{ name: string; checksum: string }>(
          'select name, checksum from sentinel_migrations',
        )
      ).rows.map((row) => [row.name, row.checksum]),
    );
    const newlyApplied: string[] = [];
    for (const file of migrationFiles()) {
      const checksum = applied.get(file.name);
      if (checksum !== undefined) {
        if (checksum !== file.checksum) {
          throw new Error(
            `migration ${file.name} was edited after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      await client.query('begin');
      try {
        await client.query(file.sql);
        await client.query('insert into sentinel_migrations (name, checksum) values ($1, $2)', [
          file.name,
          file.checksum,
        ]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${file.name} failed: ${(err as Error).message}`, { cause: err });
      }
      options.logger.info({ migration: file.name }, 'migration applied');
      newlyApplied.push(file.name);
    }
    if (options.settings !== undefined) await writePlatformSettings(client, options.settings);
    // The API and worker check this table at start-up to refuse running on an old schema.
    await client.query(`grant select on sentinel_migrations to ${APP_ROLE}`);
    // A role that existed before keeps its password: setting ours would lock out the other
    // Sentinel using it (a second installation on the cluster is given APP_DATABASE_URL and
    // PLATFORM_DATABASE_URL with that password, or its own cluster).
    for (const [role, password] of [
      [APP_ROLE, options.appDbPassword],
      [PLATFORM_ROLE, options.platformDbPassword],
    ] as const) {
      if (password === undefined) continue;
      if (existingRoles.has(role)) {
        options.logger.info({ role }, 'database role exists already; its password is left alone');
        continue;
      }
      // DDL takes no bind parameters; escapeLiteral quotes the password safely.
      await client.query(`alter role ${role} with login password ${escapeLiteral(password)}`);
    }
    return newlyApplied;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}

/** Names of migration files not yet applied to the database (the API and worker refuse to start). */
export async function pendingMigrations(ownerOrAppUrl: string): Promise<string[]> {
  const client = new Client({ connectionString: ownerOrAppUrl });
  await client.connect();
  try {
    const exists = await client.query(
      `select to_regclass('sentinel_migrations') is not null as ok`,
    );
    const applied = new Set<string>();
    if (exists.rows[0].ok) {
      for (const row of (
        await client.query<{ name: string }>('select name from sentinel_migrations')
      ).rows) {
        applied.add(row.name);
      }
    }
    return migrationFiles()
      .map((f) => f.name)
      .filter((name) => !applied.has(name));
  } finally {
    await client.end();
  }
}
