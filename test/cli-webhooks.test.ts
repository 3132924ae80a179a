import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { useApiFixture } from './helpers/api';

const BIN = path.resolve(__dirname, '../../bin/sentinel.js');

describe('sentinel webhooks test <id>', () => {
  const fx = useApiFixture();
  const received: Array<{ event: string | undefined; body: string }> = [];
  let receiver: http.Server;
  let hookId: string;

  before(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        received.push({ event: req.headers['x-sentinel-event'] as string | undefined, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    // By name: the API refuses loopback literals when a webhook is created.
    const created = await fx.api.gql<{ createWebhook: { webhook: { id: string } } }>(
      `mutation($url: String) { createWebhook(url: $url, events: [BREACH_STARTED]) { webhook { id } } }`,
      { url: `http://localhost:${port}/hook` },
      fx.tenant.adminKey,
    );
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    hookId = created.data!.createWebhook.webhook.id;
  });
  after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  /** Runs the CLI without blocking this process, whose receiver must answer meanwhile. */
  const run = (allow: string, ...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'webhooks', 'test', ...args], {
        env: {
          ...process.env,
          DATABASE_URL: fx.db.ownerUrl,
          APP_DATABASE_URL: fx.db.appUrl,
          REDIS_URL: fx.db.redisUrl,
          PROBE_ALLOW_NETWORKS: allow,
          LOG_LEVEL: 'warn',
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  it('sends a test event and says how it went', async () => {
    const result = await run('127.0.0.0/8,::1/128', hookId);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^delivered: HTTP 204 in \d+ ms$/m);
    assert.equal(received.at(-1)?.event, 'TEST');
  });

  it('fails with the reason when the target is refused, and names the setting that allows it', async () => {
    const before = received.length;
    const result = await run('', hookId);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /^failed: no answer in \d+ ms \(.*PROBE_ALLOW_NETWORKS/m);
    assert.equal(received.length, before, 'nothing reached the receiver');
  });

  it('says so for an unknown webhook', async () => {
    const result = await run('', '00000000-0000-4000-8000-000000000000');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /sentinel: no webhook 00000000-0000-4000-8000-000000000000/);
  });
});
