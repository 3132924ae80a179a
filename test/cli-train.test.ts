import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, ownerQuery, type TestDatabase } from './helpers/database';
import { makeTenant } from './helpers/factories';

const BIN = path.resolve(__dirname, '../../bin/sentinel.js');

describe('sentinel train: the same range checks as trainModel', () => {
  let db: TestDatabase;
  const train = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, 'train', ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        DATABASE_URL: db.ownerUrl,
        APP_DATABASE_URL: db.appUrl,
        REDIS_URL: db.redisUrl,
        LOG_LEVEL: 'warn',
      },
    });

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db.drop();
  });

  it('refuses out-of-range epochs, horizon and window before anything is recorded', async () => {
    const tenant = await makeTenant(db.dataSource);
    const cases: Array<[string[], string]> = [
      [['--epochs', '0'], 'epochs: must be an integer from 1 to 200'],
      [['--epochs', '201'], 'epochs: must be an integer from 1 to 200'],
      [['--horizon', '4'], 'horizonMinutes: must be an integer from 5 to 120'],
      [['--horizon', '121'], 'horizonMinutes: must be an integer from 5 to 120'],
      [['--window-days', '1'], 'windowDays: must be an integer from 2 to 90'],
      [['--window-days', '91'], 'windowDays: must be an integer from 2 to 90'],
      [['--seed', '-1'], 'seed: must be an integer from 0 to 2147483647'],
    ];
    for (const [args, message] of cases) {
      const run = train('--tenant', tenant.slug, ...args);
      assert.equal(run.status, 1, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr.trim(), `sentinel: ${message}`, args.join(' '));
    }
    // In range, the request goes on to the data check, which an empty tenant fails.
    const inRange = train('--tenant', tenant.slug, '--epochs', '200', '--horizon', '120');
    assert.equal(inRange.status, 1);
    assert.match(inRange.stderr, /^sentinel: windowDays: 0 endpoint-minutes of telemetry/);
    assert.deepEqual(await ownerQuery(db.ownerUrl, 'select 1 from training_jobs'), []);
  });
});
