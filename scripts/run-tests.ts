/**
 * `npm test`: first the unit tier (test/unit: pure modules, no PostgreSQL or Redis, seconds), and
 * only if it passes the integration tier: PostgreSQL and Redis brought up the same way `npm start`
 * does (DATABASE_URL / REDIS_URL, else the embedded ones), one migrated template database, then
 * every other compiled test file with node:test. Each integration file clones the template into a
 * database of its own and drops it afterwards, so tests never touch a running Sentinel's data and
 * run in any order. `--unit` (npm run test:unit) runs the unit tier alone. Further arguments
 * choose files by part of their name, in both tiers.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../src/config/config';
import { logger } from '../src/config/logger';
import { migrate } from '../src/db/migrator';
import { withDatabase } from '../src/db/urls';
import { resolveBackingServices } from '../src/runtime/backing-services';

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A test (or a whole describe) still running after this long fails, named, and the run goes on: a
 * promise nothing settles (a lost reply) is a failure to read, not a run held until CI's own
 * limit. The longest suite takes about a minute here, a few on a loaded machine.
 */
const TEST_TIMEOUT_MS = 600_000;

/** node --test over `files`; Ctrl-C or a CI timeout is passed on, so the tests stop first. */
function runNodeTest(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = ['--test', '--test-concurrency=2', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files];
  const child = spawn(process.execPath, args, {
    stdio: 'inherit',
    env,
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise<number>((resolve) =>
    child.on('exit', (code) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 1);
    }),
  );
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unitOnly = args[0] === '--unit';
  const filter = unitOnly ? args.slice(1) : args;
  const chosen = (file: string) => filter.length === 0 || filter.some((f) => file.includes(f));
  const testDir = path.resolve(__dirname, '../test');
  const unitDir = path.join(testDir, 'unit');
  const unitFiles = testFiles(unitDir).filter(chosen);
  const integrationFiles = testFiles(testDir).filter(
    (file) => !file.startsWith(unitDir + path.sep) && chosen(file),
  );
  const logLevel = process.env.LOG_LEVEL ?? 'silent';
  // The fast tier first: a broken pure module fails the run in seconds, before any service starts.
  if (unitFiles.length > 0) {
    const code = await runNodeTest(unitFiles, { ...process.env, LOG_LEVEL: logLevel });
    if (code !== 0) return code;
  }
  if (unitOnly || (integrationFiles.length === 0 && unitFiles.length > 0)) return 0;

  const config = loadConfig();
  const services = await resolveBackingServices(config, logger);
  const template = `sentinel_test_tpl_${crypto.randomBytes(4).toString('hex')}`;
  try {
    await adminQuery(services.ownerDatabaseUrl, `create database ${template}`);
    await migrate({
      ownerDatabaseUrl: withDatabase(services.ownerDatabaseUrl, template),
      appDbPassword: services.appDbPassword,
      platformDbPassword: services.platformDbPassword,
      logger,
    });

    return await runNodeTest(integrationFiles, {
      ...process.env,
      LOG_LEVEL: logLevel,
      SENTINEL_TEST_OWNER_URL: services.ownerDatabaseUrl,
      SENTINEL_TEST_TEMPLATE: template,
      SENTINEL_TEST_APP_PASSWORD: services.appDbPassword,
      SENTINEL_TEST_PLATFORM_PASSWORD: services.platformDbPassword,
      SENTINEL_TEST_REDIS_URL: services.redisUrl,
    });
  } finally {
    await adminQuery(
      services.ownerDatabaseUrl,
      `drop database if exists ${template} with (force)`,
    ).catch(() => undefined);
    await services.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
