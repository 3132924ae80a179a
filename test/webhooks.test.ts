import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type Bull from 'bull';
import { openApiQueues } from '../src/jobs/api-queues';
import {
  createWebhookProcessor,
  enqueueWebhookEvent,
  signature,
  type WebhookDelivery,
} from '../src/jobs/webhook-jobs';
import { useApiFixture } from './helpers/api';
import { processorDeps } from './helpers/processor-deps';

const CREATE = `mutation($url: String!, $events: [WebhookEvent!]!) { createWebhook(url: $url, events: $events) { secret webhook { id url events } } }`;

describe('webhooks', () => {
  const fx = useApiFixture();
  let server: http.Server;
  let url: string;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  let failNext = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = failNext-- > 0 ? 503 : 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses private literal addresses at creation, and shows the secret once', async () => {
    const refused = await fx.api.gql(
      CREATE,
      { url: 'http://10.1.2.3/hook', events: ['BREACH_PREDICTED'] },
      fx.tenant.adminKey,
    );
    assert.equal(refused.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const bad = await fx.api.gql(
      CREATE,
      { url: 'ftp://example.com/x', events: ['BREACH_PREDICTED'] },
      fx.tenant.adminKey,
    );
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const forbidden = await fx.api.gql(
      CREATE,
      { url: 'https://example.com/x', events: ['BREACH_PREDICTED'] },
      await fx.tenant.key('read'),
    );
    assert.equal(forbidden.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('signs each delivery with HMAC-SHA256, retries failures, and never queues one event twice', async () => {
    // The API refuses loopback literals, so the receiver is registered by name; the guard resolves
    // `localhost` at connect time and refuses it unless the processor is told to allow 127/8.
    const created = await fx.api.gql<{
      createWebhook: { secret: string; webhook: { id: string } };
    }>(
      CREATE,
      { url: url.replace('127.0.0.1', 'localhost'), events: ['BREACH_PREDICTED'] },
      fx.tenant.adminKey,
    );
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const { secret } = created.data!.createWebhook;

    const queues = openApiQueues(fx.db.redisUrl);
    try {
      await enqueueWebhookEvent(
        fx.db.dataSource,
        queues.webhooks,
        fx.tenant.id,
        'BREACH_PREDICTED',
        'endpoint-1:minute-1',
        { probability: 0.9 },
      );
      await enqueueWebhookEvent(
        fx.db.dataSource,
        queues.webhooks,
        fx.tenant.id,
        'BREACH_PREDICTED',
        'endpoint-1:minute-1',
        { probability: 0.9 },
      );
      await enqueueWebhookEvent(
        fx.db.dataSource,
        queues.webhooks,
        fx.tenant.id,
        'BREACH_STARTED',
        'endpoint-1:minute-1',
        {},
      );
      const jobs = await queues.webhooks.getJobs(['waiting', 'delayed']);
      assert.equal(jobs.length, 1, 'same event, same key: one delivery; unsubscribed event: none');
      const job = jobs[0]! as Bull.Job<WebhookDelivery>;

      const deps = processorDeps(fx, queues);
      const guarded = createWebhookProcessor([]);
      const local = createWebhookProcessor(['127.0.0.0/8', '::1/128']);
      try {
        // By default a name that resolves to loopback is refused at connect time (SSRF guard).
        await assert.rejects(guarded.process(job, deps), (err: Error & { cause?: Error }) =>
          /loopback/.test(`${err.message} ${err.cause?.message ?? ''}`),
        );
        assert.equal(received.length, 0);

        failNext = 1;
        await assert.rejects(
          local.process(job, deps),
          /503/,
          'a 5xx fails the attempt, so Bull retries it',
        );
        await local.process(job, deps);
      } finally {
        await guarded.close?.();
        await local.close?.();
      }
      assert.equal(received.length, 2);
      const { headers, body } = received[1]!;
      assert.equal(headers['x-sentinel-event'], 'BREACH_PREDICTED');
      assert.equal(
        headers['x-sentinel-delivery'],
        received[0]!.headers['x-sentinel-delivery'],
        'a retry keeps its delivery id',
      );
      assert.equal(
        headers['x-sentinel-signature'],
        signature(secret, String(headers['x-sentinel-timestamp']), body),
      );
      assert.notEqual(
        headers['x-sentinel-signature'],
        signature('wrong-secret', String(headers['x-sentinel-timestamp']), body),
      );
      assert.deepEqual(JSON.parse(body).data, { probability: 0.9 });
    } finally {
      await queues.close();
    }
  });
});
