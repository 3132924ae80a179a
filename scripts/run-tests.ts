/**
 * `npm test`: brings up PostgreSQL and Redis the same way `npm start` does (DATABASE_URL /
 * REDIS_URL, else the embedded ones), migrates one template database, then runs every compiled
 * test file with node:test. Each test file clones the template into a database of its own and
 * drops it afterwards, so tests never touch a running Sentinel's data and run in any order.
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

async function main(): Promise<number> {
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

    const filter = process.argv.slice(2);
    const files = testFiles(path.resolve(__dirname, '../test')).filter(
      (file) => filter.length === 0 || filter.some((f) => file.includes(f)),
    );
    const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...files], {
      stdio: 'inherit',
      env: {
        ...process.env,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
        SENTINEL_TEST_OWNER_URL: services.ownerDatabaseUrl,
        SENTINEL_TEST_TEMPLATE: template,
        SENTINEL_TEST_APP_PASSWORD: services.appDbPassword,
        SENTINEL_TEST_PLATFORM_PASSWORD: services.platformDbPassword,
        SENTINEL_TEST_REDIS_URL: services.redisUrl,
      },
    });
    // Ctrl-C or a CI timeout: let the tests stop, then fall through to stopping the services.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
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
