import crypto from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createAppDataSource } from '../../src/db/data-source';
import { useQueuePrefix } from '../../src/jobs/queues';
import { appDatabaseUrl, platformDatabaseUrl, withDatabase } from '../../src/db/urls';

// Each test process gets its own Bull key prefix, so tests sharing one Redis never see each other's jobs.
process.env.SENTINEL_QUEUE_PREFIX ??= `sentinel-test-${crypto.randomBytes(4).toString('hex')}`;
useQueuePrefix(process.env.SENTINEL_QUEUE_PREFIX);

export interface TestDatabase {
  name: string;
  ownerUrl: string;
  appUrl: string;
  /** The platform role (reads the anonymised aggregate only). */
  platformUrl: string;
  redisUrl: string;
  /** An app-role DataSource (pool of `poolSize`), destroyed by drop(). */
  dataSource: DataSource;
  drop: () => Promise<void>;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\``);
  return value;
}

/** Runs SQL as the owner (a superuser in tests) against the server's maintenance database. */
export async function ownerQuery<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database of this test's own (a copy of the runner's template). */
export async function createTestDatabase(
  options: { poolSize?: number } = {},
): Promise<TestDatabase> {
  const serverUrl = env('SENTINEL_TEST_OWNER_URL');
  const name = `sentinel_test_${crypto.randomBytes(6).toString('hex')}`;
  await ownerQuery(serverUrl, `create database ${name} template ${env('SENTINEL_TEST_TEMPLATE')}`);
  const ownerUrl = withDatabase(serverUrl, name);
  const appUrl = appDatabaseUrl(ownerUrl, env('SENTINEL_TEST_APP_PASSWORD'));
  const platformUrl = platformDatabaseUrl(ownerUrl, env('SENTINEL_TEST_PLATFORM_PASSWORD'));
  const dataSource = await createAppDataSource(appUrl, options.poolSize ?? 4).initialize();
  return {
    name,
    ownerUrl,
    appUrl,
    platformUrl,
    redisUrl: env('SENTINEL_TEST_REDIS_URL'),
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await ownerQuery(serverUrl, `drop database if exists ${name} with (force)`);
    },
  };
}
