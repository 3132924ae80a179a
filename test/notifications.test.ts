import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Bull from 'bull';
import { openApiQueues } from '../src/jobs/api-queues';
import { watchTenantIncidents } from '../src/jobs/incident-jobs';
import {
  createWebhookProcessor,
  enqueueWebhookEvent,
  type WebhookDelivery,
} from '../src/jobs/webhook-jobs';
import type { Endpoint } from '../src/entities/endpoint.entity';
import type { NoticeData } from '../src/notifications/notice';
import { startTestApi, useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { endpointWithHistory } from './helpers/history';
import { assertPagerDutyEvent, assertSlackMessage } from './helpers/payload-shapes';
import { processorDeps } from './helpers/processor-deps';
import { startReceiver } from './helpers/receiver';

const CREATE = `mutation($url: String, $events: [WebhookEvent!]!, $format: WebhookFormat, $routingKey: String) {
  createWebhook(url: $url, events: $events, format: $format, routingKey: $routingKey) { secret webhook { id url format events } } }`;
const LIST = `query($first: Int, $after: String) { webhooks(first: $first, after: $after) {
  edges { cursor node { id url format events deliveries(first: 10) { at event deliveryId attempt statusCode latencyMs error } } }
  pageInfo { hasNextPage endCursor } } }`;
const TEST = `mutation($id: ID!) { testWebhook(id: $id) { ok statusCode latencyMs error } }`;

interface ListResult {
  webhooks: {
    edges: Array<{
      cursor: string;
      node: {
        id: string;
        url: string;
        format: string;
        deliveries: Array<{
          event: string;
          attempt: number;
          statusCode: number | null;
          error: string | null;
        }>;
      };
    }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

describe('notifications: Slack, PagerDuty, delivery log, test events, RECOVERED', () => {
  const fx = useApiFixture();
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let endpoint: Endpoint;
  const hooks: Record<'generic' | 'slack' | 'pagerduty', string> = {
    generic: '',
    slack: '',
    pagerduty: '',
  };
  let queues: ReturnType<typeof openApiQueues>;
  const anchor = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
  const local = createWebhookProcessor(['127.0.0.0/8', '::1/128']);

  /** Delivers every queued job through the local processor, as the worker would. */
  const deliverQueued = async () => {
    const jobs = (await queues.webhooks.getJobs(['waiting', 'delayed'])) as Array<
      Bull.Job<WebhookDelivery>
    >;
    for (const job of jobs) {
      await local.process(job, processorDeps(fx, queues));
      await job.remove();
    }
    return jobs.map((j) => j.data);
  };

  before(async () => {
    receiver = await startReceiver();
    queues = openApiQueues(fx.db.redisUrl);
    // Errors in minutes -40..-31, good since: a breach episode that has ended.
    endpoint = await endpointWithHistory(fx, {
      sla: { latencyThresholdMs: 300, windowMinutes: 5, errorRateThreshold: 0.05 },
      anchor,
      firstMinute: -60,
      sample: (m, i) =>
        m >= -40 && m < -30 && i < 5
          ? { latencyMs: 50, statusCode: 503, errorKind: 'unexpected_status' }
          : { latencyMs: 50 },
    });
    await fx.api.gql(
      `mutation($id: ID!) { updateEndpoint(id: $id, input: { name: "Payments API", public: true }) { id } }`,
      { id: endpoint.id },
      fx.tenant.adminKey,
    );
    await fx.api.gql(
      `mutation { publishStatusPage(published: true) { slug } }`,
      {},
      fx.tenant.adminKey,
    );
  });
  after(async () => {
    await local.close?.();
    await queues.close();
    await receiver.close();
  });

  it('creates GENERIC, SLACK and PAGERDUTY webhooks; PagerDuty needs its routing key', async () => {
    const refused = await fx.api.gql(
      CREATE,
      { url: receiver.url('/pd'), events: ['BREACH_STARTED'], format: 'PAGERDUTY' },
      fx.tenant.adminKey,
    );
    assert.equal(refused.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const make = async (variables: Record<string, unknown>) => {
      const created = await fx.api.gql<{ createWebhook: { webhook: { id: string; url: string } } }>(
        CREATE,
        variables,
        fx.tenant.adminKey,
      );
      assert.equal(created.errors, undefined, JSON.stringify(created.errors));
      return created.data!.createWebhook.webhook;
    };
    hooks.generic = (
      await make({ url: receiver.url('/generic'), events: ['BREACH_STARTED', 'RECOVERED'] })
    ).id;
    const slack = await make({
      url: receiver.url('/slack/T000/B000/XXXXSECRET'),
      events: ['BREACH_STARTED', 'BREACH_PREDICTED'],
      format: 'SLACK',
    });
    assert.ok(!slack.url.includes('XXXXSECRET'), 'a Slack URL is its secret: not shown again');
    hooks.slack = slack.id;
    hooks.pagerduty = (
      await make({
        url: receiver.url('/pd'),
        events: ['BREACH_STARTED'],
        format: 'PAGERDUTY',
        routingKey: 'R0UT1NGKEY',
      })
    ).id;
    const stored = await ownerQuery<{ routing_key: string }>(
      fx.db.ownerUrl,
      'select routing_key from webhooks where id = $1',
      [hooks.pagerduty],
    );
    assert.equal(stored[0]!.routing_key, 'R0UT1NGKEY');
    const listed = JSON.stringify((await fx.api.gql(LIST, { first: 10 }, fx.tenant.adminKey)).data);
    assert.ok(!listed.includes('R0UT1NGKEY'), 'the routing key is never returned');
  });

  it('delivers a breach onset in each documented shape, naming the endpoint and its SLA', async () => {
    const onset = new Date(anchor.getTime() - 40 * 60_000).toISOString();
    await enqueueWebhookEvent(
      fx.db.dataSource,
      queues.webhooks,
      fx.tenant.id,
      'BREACH_STARTED',
      `${endpoint.id}:${onset}`,
      {
        endpointId: endpoint.id,
        minute: onset,
      },
    );
    const delivered = await deliverQueued();
    assert.equal(delivered.length, 3);
    const at = (path: string) => receiver.received.filter((r) => r.path.startsWith(path));

    const generic = at('/generic')[0]!.json as { event: string; data: NoticeData };
    assert.equal(generic.event, 'BREACH_STARTED');
    assert.equal(generic.data.endpoint!.name, 'Payments API');
    assert.equal(generic.data.endpoint!.sla.latencyThresholdMs, 300);
    assert.equal(generic.data.endpointId, endpoint.id);

    const slack = at('/slack')[0]!.json;
    assertSlackMessage(slack);
    const slackText = JSON.stringify(slack);
    assert.match(slackText, /Payments API: SLA breach started/);
    assert.ok(
      slackText.includes(`${fx.api.config.publicUrl}/status/${fx.tenant.slug}|Status page`),
      'links the public status page',
    );

    const trigger = at('/pd')[0]!.json;
    assertPagerDutyEvent(trigger, 'trigger');
    assert.equal(trigger.routing_key, 'R0UT1NGKEY');
    assert.match(String(trigger.dedup_key), /^sentinel-[0-9a-f-]{36}$/);
    assert.equal((trigger.payload as { severity: string }).severity, 'critical');
  });

  it('sends RECOVERED when the episode ends, and PagerDuty resolves the same dedup key', async () => {
    receiver.received.length = 0;
    const ended = await watchTenantIncidents(fx.db.dataSource, queues, fx.tenant.id, new Date());
    assert.equal(ended.length, 1);
    assert.equal(ended[0]!.event, 'RECOVERED');
    assert.ok(ended[0]!.data.episode!.breachedMinutes >= 10, 'the breached minutes of the episode');
    const delivered = await deliverQueued();
    assert.deepEqual(
      delivered.map((d) => d.webhookId).sort(),
      [hooks.generic, hooks.pagerduty].sort(),
      'Slack did not subscribe to RECOVERED; PagerDuty always hears the end of what it was told',
    );
    const generic = receiver.received.find((r) => r.path === '/generic')!.json as {
      event: string;
      data: NoticeData;
    };
    assert.equal(generic.event, 'RECOVERED');
    assert.equal(generic.data.endpoint!.name, 'Payments API');
    const resolve = receiver.received.find((r) => r.path === '/pd')!.json;
    assertPagerDutyEvent(resolve, 'resolve');
    const [incident] = await ownerQuery<{ id: string; resolved_at: Date | null }>(
      fx.db.ownerUrl,
      'select id, resolved_at from endpoint_incidents where endpoint_id = $1',
      [endpoint.id],
    );
    assert.equal(resolve.dedup_key, `sentinel-${incident!.id}`);
    assert.ok(incident!.resolved_at);
    assert.equal(
      (await watchTenantIncidents(fx.db.dataSource, queues, fx.tenant.id, new Date())).length,
      0,
    );
  });

  it('testWebhook answers status code, latency and error, and logs every attempt', async () => {
    // An API allowed to reach this machine (PROBE_ALLOW_NETWORKS), next to the fixture's, which is not.
    const allowed = await startTestApi(fx.db, { probeAllowNetworks: ['127.0.0.0/8', '::1/128'] });
    try {
      receiver.received.length = 0;
      const ok = await allowed.gql<{
        testWebhook: { ok: boolean; statusCode: number; latencyMs: number; error: string | null };
      }>(TEST, { id: hooks.slack }, fx.tenant.adminKey);
      assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
      assert.deepEqual(
        { ...ok.data!.testWebhook, latencyMs: typeof ok.data!.testWebhook.latencyMs },
        { ok: true, statusCode: 204, latencyMs: 'number', error: null },
      );
      assertSlackMessage(receiver.received[0]!.json);
      const pd = await allowed.gql<{ testWebhook: { ok: boolean } }>(
        TEST,
        { id: hooks.pagerduty },
        fx.tenant.adminKey,
      );
      assert.equal(pd.data!.testWebhook.ok, true);
      const [testTrigger, testResolve] = receiver.received.filter((r) => r.path === '/pd');
      assertPagerDutyEvent(testTrigger!.json, 'trigger');
      assertPagerDutyEvent(testResolve!.json, 'resolve');
      assert.equal(
        testTrigger!.json.dedup_key,
        testResolve!.json.dedup_key,
        'the test incident is resolved at once',
      );

      receiver.status.set('/generic', 500);
      const failed = await allowed.gql<{
        testWebhook: { ok: boolean; statusCode: number; error: string };
      }>(TEST, { id: hooks.generic }, fx.tenant.adminKey);
      assert.deepEqual(
        [
          failed.data!.testWebhook.ok,
          failed.data!.testWebhook.statusCode,
          failed.data!.testWebhook.error,
        ],
        [false, 500, 'webhook answered 500'],
      );
    } finally {
      await allowed.stop();
      receiver.status.clear();
    }
    const refused = await fx.api.gql<{
      testWebhook: { ok: boolean; statusCode: number | null; error: string };
    }>(TEST, { id: hooks.generic }, fx.tenant.adminKey);
    assert.equal(refused.data!.testWebhook.ok, false);
    assert.equal(refused.data!.testWebhook.statusCode, null);
    assert.match(refused.data!.testWebhook.error, /loopback/, 'the SSRF guard says why');

    const forbidden = await fx.api.gql(TEST, { id: hooks.generic }, await fx.tenant.key('read'));
    assert.equal(forbidden.errors?.[0]?.extensions?.code, 'FORBIDDEN');

    const list = (await fx.api.gql<ListResult>(LIST, { first: 10 }, fx.tenant.adminKey)).data!
      .webhooks;
    const generic = list.edges.find((e) => e.node.id === hooks.generic)!.node;
    assert.deepEqual(
      generic.deliveries.map((d) => [d.event, d.attempt, d.statusCode]),
      [
        ['TEST', 1, null],
        ['TEST', 1, 500],
        ['RECOVERED', 1, 204],
        ['BREACH_STARTED', 1, 204],
      ],
      'newest first: tests and deliveries alike',
    );
  });

  it('expires delivery log rows after 30 days, and its maintenance function refuses a bad age', async () => {
    await ownerQuery(
      fx.db.ownerUrl,
      `insert into webhook_deliveries (tenant_id, webhook_id, at, event, delivery_id, attempt, status_code)
       values ($1, $2, now() - interval '31 days', 'BREACH_STARTED', 'old', 1, 204)`,
      [fx.tenant.id, hooks.slack],
    );
    // As the app role, the way the hourly maintenance job calls it.
    await assert.rejects(
      fx.db.dataSource.query('select delete_expired_webhook_deliveries(0)'),
      /between 30 and 36500/,
    );
    const [{ gone }] = (await fx.db.dataSource.query(
      'select delete_expired_webhook_deliveries(30)::int as gone',
    )) as [{ gone: number }];
    assert.equal(gone, 1);
    const left = await ownerQuery(fx.db.ownerUrl, 'select 1 from webhook_deliveries');
    assert.ok(left.length >= 4, 'recent attempts stay');
  });

  it('lists webhooks by page and deletes one with its delivery log', async () => {
    const first = (await fx.api.gql<ListResult>(LIST, { first: 2 }, fx.tenant.adminKey)).data!
      .webhooks;
    assert.equal(first.edges.length, 2);
    assert.equal(first.pageInfo.hasNextPage, true);
    const rest = (
      await fx.api.gql<ListResult>(
        LIST,
        { first: 2, after: first.pageInfo.endCursor },
        fx.tenant.adminKey,
      )
    ).data!.webhooks;
    assert.deepEqual(
      [...first.edges, ...rest.edges].map((e) => e.node.id),
      [hooks.generic, hooks.slack, hooks.pagerduty],
    );
    assert.equal(rest.pageInfo.hasNextPage, false);
    const deleted = await fx.api.gql(
      `mutation($id: ID!) { deleteWebhook(id: $id) { id } }`,
      { id: hooks.generic },
      fx.tenant.adminKey,
    );
    assert.equal(deleted.errors, undefined);
    const again = await fx.api.gql(
      `mutation($id: ID!) { deleteWebhook(id: $id) { id } }`,
      { id: hooks.generic },
      fx.tenant.adminKey,
    );
    assert.equal(again.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const log = await ownerQuery(
      fx.db.ownerUrl,
      'select 1 from webhook_deliveries where webhook_id = $1',
      [hooks.generic],
    );
    assert.equal(log.length, 0);
  });
});
