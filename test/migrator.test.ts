import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { logger } from '../src/config/logger';
import { migrate, pendingMigrations } from '../src/db/migrator';
import { escapeLiteral } from 'pg';
import { appDatabaseUrl, platformDatabaseUrl, withDatabase } from '../src/db/urls';
import { startTestApi } from './helpers/api';
import { ownerQuery } from './helpers/database';

describe('migrations', () => {
  const serverUrl = process.env.SENTINEL_TEST_OWNER_URL!;
  const name = `sentinel_test_mig_${crypto.randomBytes(4).toString('hex')}`;
  const url = withDatabase(serverUrl, name);

  before(() => ownerQuery(serverUrl, `create database ${name}`));
  after(() => ownerQuery(serverUrl, `drop database if exists ${name} with (force)`));

  it('reports every migration pending on an empty database, and the API refuses to start on it', async () => {
    assert.ok((await pendingMigrations(url)).length >= 2);
    const appUrl = appDatabaseUrl(url, process.env.SENTINEL_TEST_APP_PASSWORD!);
    await assert.rejects(
      startTestApi({ appUrl, redisUrl: process.env.SENTINEL_TEST_REDIS_URL! }),
      /run `sentinel migrate`/,
    );
  });

  it('applies each file once even when several processes migrate at the same time', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() => migrate({ ownerDatabaseUrl: url, logger })),
    );
    const applied = results.flat().sort();
    assert.deepEqual(applied, [...new Set(applied)], 'no file applied twice');
    assert.deepEqual(await pendingMigrations(url), []);
    assert.deepEqual(await migrate({ ownerDatabaseUrl: url, logger }), []);
  });

  it('refuses to run when an applied migration was edited', async () => {
    await ownerQuery(
      url,
      `update sentinel_migrations set checksum = 'edited' where name like '0001%'`,
    );
    await assert.rejects(
      migrate({ ownerDatabaseUrl: url, logger }),
      /was edited after it was applied/,
    );
  });

  it('leaves the password of a role that exists already alone (two Sentinels on one cluster)', async () => {
    const other = `sentinel_test_mig2_${crypto.randomBytes(4).toString('hex')}`;
    const otherUrl = withDatabase(serverUrl, other);
    const appPassword = process.env.SENTINEL_TEST_APP_PASSWORD!;
    const platformPassword = process.env.SENTINEL_TEST_PLATFORM_PASSWORD!;
    await ownerQuery(serverUrl, `create database ${other}`);
    let untouched = false;
    try {
      // A second installation with secrets of its own migrates its database on the same cluster.
      await migrate({
        ownerDatabaseUrl: otherUrl,
        appDbPassword: 'second-installation-app',
        platformDbPassword: 'second-installation-platform',
        logger,
      });
      // The first installation (every test here) still logs in with its passwords.
      await ownerQuery(appDatabaseUrl(url, appPassword), 'select 1');
      await ownerQuery(platformDatabaseUrl(url, platformPassword), 'select 1');
      untouched = true;
    } finally {
      // Should a regression have changed the shared roles, give them back at once: other test
      // runs on this cluster use them.
      if (!untouched)
        await ownerQuery(
          serverUrl,
          `alter role sentinel_app with password ${escapeLiteral(appPassword)};
         alter role sentinel_platform with password ${escapeLiteral(platformPassword)}`,
        ).catch(() => undefined);
      await ownerQuery(serverUrl, `drop database if exists ${other} with (force)`);
    }
  });
});
