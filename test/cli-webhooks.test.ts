import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createWebhook } from '../src/services/webhooks';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { makeTenant, type TestTenant } from './helpers/factories';
import { assertSlackMessage } from './helpers/payload-shapes';
import { startReceiver } from './helpers/receiver';

const BIN = path.resolve(__dirname, '../../bin/sentinel.js');
const run = promisify(execFile);

describe('sentinel webhooks test: a test event from the command line', () => {
  let db: TestDatabase;
  let tenant: TestTenant;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  // Async: the receiver in this process must answer while the CLI runs.
  const cli = async (...args: string[]) => {
    try {
      const { stdout } = await run(process.execPath, [BIN, 'webhooks', 'test', ...args], {
        env: {
          ...process.env,
          DATABASE_URL: db.ownerUrl,
          APP_DATABASE_URL: db.appUrl,
          REDIS_URL: db.redisUrl,
          PROBE_ALLOW_NETWORKS: '127.0.0.0/8,::1/128',
          LOG_LEVEL: 'warn',
        },
      });
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  before(async () => {
    db = await createTestDatabase();
    tenant = await makeTenant(db.dataSource);
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
    await db.drop();
  });

  it('sends the event in the webhook format and prints status and latency; exit 1 when it fails', async () => {
    const { webhook } = await createWebhook(
      db.dataSource,
      tenant.id,
      { url: receiver.url('/slack'), events: ['BREACH_STARTED'], format: 'SLACK' },
      [],
    );
    const ok = await cli(webhook.id, '--tenant', tenant.slug);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout.trim(), /^ok: HTTP 204 in \d+ ms$/);
    assertSlackMessage(receiver.received[0]!.json);

    receiver.status.set('/slack', 500);
    const failed = await cli(webhook.id, '--tenant', tenant.slug);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout.trim(), /^failed: HTTP 500 after \d+ ms: webhook answered 500$/);

    const other = await makeTenant(db.dataSource);
    const foreign = await cli(webhook.id, '--tenant', other.slug);
    assert.equal(foreign.code, 1);
    assert.match(foreign.stderr, new RegExp(`Webhook ${webhook.id} was not found`));
  });
});
