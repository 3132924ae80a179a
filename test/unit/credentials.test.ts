import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { childEnvironment } from '../../src/cli/child-env';
import { legacyPlatformPassword } from '../../src/db/urls';
import { loadLocalSecrets } from '../../src/runtime/secrets';

const OWNER = 'postgres://postgres:owner-secret@db:5432/sentinel';
const services = {
  appDatabaseUrl: 'postgres://sentinel_app:app-secret@db:5432/sentinel',
  platformDatabaseUrl: 'postgres://sentinel_platform:platform-secret@db:5432/sentinel',
  redisUrl: 'redis://redis:6379',
};
const parent = {
  PATH: '/usr/bin',
  DATABASE_URL: OWNER,
  PLATFORM_DATABASE_URL: services.platformDatabaseUrl,
};

/** Issue 10, items 6 and 7: each process gets only the credentials it needs. */
describe('credentials per process', () => {
  it('gives the API the app role and Redis only: no owner, no platform credentials', () => {
    const env = childEnvironment('api', services, parent);
    assert.equal(env.APP_DATABASE_URL, services.appDatabaseUrl);
    assert.equal(env.REDIS_URL, services.redisUrl);
    assert.equal(env.DATABASE_URL, undefined);
    assert.equal(env.PLATFORM_DATABASE_URL, undefined);
    const all = JSON.stringify(env);
    assert.ok(!all.includes('owner-secret') && !all.includes('platform-secret'));
    assert.equal(env.PATH, '/usr/bin');
  });

  it('gives the worker the platform role too, never the owner', () => {
    const env = childEnvironment('worker', services, parent);
    assert.equal(env.PLATFORM_DATABASE_URL, services.platformDatabaseUrl);
    assert.equal(env.DATABASE_URL, undefined);
    assert.ok(!JSON.stringify(env).includes('owner-secret'));
  });

  it('generates a platform password that the app password does not give away', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-secrets-'));
    try {
      const secrets = loadLocalSecrets(dir);
      assert.ok(secrets.platformDbPassword.length >= 24);
      assert.notEqual(secrets.platformDbPassword, legacyPlatformPassword(secrets.appDbPassword));
      assert.equal(loadLocalSecrets(dir).platformDbPassword, secrets.platformDbPassword);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
