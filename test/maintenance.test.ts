import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openApiQueues } from '../src/jobs/api-queues';
import { watchTenantIncidents } from '../src/jobs/incident-jobs';
import { enqueueWebhookEvent } from '../src/jobs/webhook-jobs';
import type { Endpoint } from '../src/entities/endpoint.entity';
import { useApiFixture, type GraphqlResponse } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { makeTenant } from './helpers/factories';
import { endpointWithHistory } from './helpers/history';
import { STATUS_PAGE, type StatusPageResult } from './helpers/status-fixture';

const SCHEDULE = `mutation($input: ScheduleMaintenanceInput!) { scheduleMaintenance(input: $input) { id endpointId startsAt endsAt reason } }`;
const CANCEL = `mutation($id: ID!) { cancelMaintenance(id: $id) { id } }`;
const LIST = `query($endpointId: ID, $after: String, $activeAt: DateTimeISO) { maintenanceWindows(endpointId: $endpointId, after: $after, activeAt: $activeAt) { edges { cursor node { id endpointId reason } } pageInfo { hasNextPage } } }`;
const SLA = `query($id: ID!) { slaStatus(endpointId: $id) { availability30d breachedNow } }`;
const ACK = `mutation($id: ID!) { acknowledgePrediction(endpointId: $id) { id endpointId acknowledgedAt } }`;

describe('maintenance windows and acknowledgements', () => {
  const fx = useApiFixture();
  let endpoint: Endpoint;
  let queues: ReturnType<typeof openApiQueues>;
  const anchor = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
  const minute = (m: number) => new Date(anchor.getTime() + m * 60_000);

  const availability = async () =>
    (
      await fx.api.gql<{ slaStatus: { availability30d: number } }>(
        SLA,
        { id: endpoint.id },
        fx.tenant.adminKey,
      )
    ).data!.slaStatus.availability30d;
  const queued = async () => (await queues.webhooks.getJobs(['waiting', 'delayed'])).length;
  const queuedEvents = async () =>
    (await queues.webhooks.getJobs(['waiting', 'delayed'])).map((j) => j.data.event).sort();
  const report = (event: 'BREACH_STARTED' | 'BREACH_PREDICTED', m: number) =>
    enqueueWebhookEvent(
      fx.db.dataSource,
      queues.webhooks,
      fx.tenant.id,
      event,
      `${endpoint.id}:${minute(m).toISOString()}`,
      { endpointId: endpoint.id, minute: minute(m).toISOString(), probability: 0.8 },
    );

  before(async () => {
    queues = openApiQueues(fx.db.redisUrl);
    // Errors in minutes -30..-21: about 14 breached minutes (with the 5-minute window) in 120.
    endpoint = await endpointWithHistory(fx, {
      sla: { latencyThresholdMs: 300, windowMinutes: 5, errorRateThreshold: 0.05 },
      anchor,
      firstMinute: -120,
      sample: (m, i) =>
        m >= -30 && m < -20 && i < 5
          ? { latencyMs: 50, statusCode: 503, errorKind: 'unexpected_status' }
          : { latencyMs: 50 },
    });
    await fx.api.gql(
      `mutation($id: ID!) { updateEndpoint(id: $id, input: { name: "Orders", public: true }) { id } }`,
      { id: endpoint.id },
      fx.tenant.adminKey,
    );
    await fx.api.gql(
      `mutation { publishStatusPage(published: true) { slug } }`,
      {},
      fx.tenant.adminKey,
    );
    await fx.api.gql(
      `mutation($url: String!) { createWebhook(url: $url, events: [BREACH_STARTED, BREACH_PREDICTED]) { secret } }`,
      { url: 'https://hooks.example.com/sentinel' },
      fx.tenant.adminKey,
    );
    await fx.api.gql(
      `mutation { createWebhook(format: PAGERDUTY, routingKey: "R0UT1NG", events: [BREACH_STARTED]) { secret } }`,
      {},
      fx.tenant.adminKey,
    );
  });
  after(async () => {
    await queues.close();
  });

  it('takes maintenance minutes out of availability, and puts them back when cancelled', async () => {
    const before = await availability();
    assert.ok(before < 0.9, `the breach counts: ${before}`);
    const refused = await fx.api.gql(
      SCHEDULE,
      {
        input: {
          endpointId: endpoint.id,
          startsAt: minute(-35).toISOString(),
          endsAt: minute(-10).toISOString(),
        },
      },
      await fx.tenant.key('read'),
    );
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const backwards = await fx.api.gql(
      SCHEDULE,
      { input: { startsAt: minute(0).toISOString(), endsAt: minute(-10).toISOString() } },
      fx.tenant.adminKey,
    );
    assert.equal(backwards.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');

    const created = await fx.api.gql<{ scheduleMaintenance: { id: string } }>(
      SCHEDULE,
      {
        input: {
          endpointId: endpoint.id,
          startsAt: minute(-35).toISOString(),
          endsAt: minute(-10).toISOString(),
          reason: 'database upgrade',
        },
      },
      fx.tenant.adminKey,
    );
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    assert.equal(await availability(), 1, 'the breached minutes were all in maintenance');

    const listed = await fx.api.gql<{
      maintenanceWindows: { edges: Array<{ node: { id: string; reason: string } }> };
    }>(LIST, { endpointId: endpoint.id }, fx.tenant.adminKey);
    assert.deepEqual(
      listed.data!.maintenanceWindows.edges.map((e) => [e.node.id, e.node.reason]),
      [[created.data!.scheduleMaintenance.id, 'database upgrade']],
    );
    const cancelled = await fx.api.gql(
      CANCEL,
      { id: created.data!.scheduleMaintenance.id },
      fx.tenant.adminKey,
    );
    assert.equal(cancelled.errors, undefined);
    assert.equal(await availability(), before);
  });

  it('sends no notification during maintenance (endpoint or whole tenant), and shows it on the status page', async () => {
    const window = await fx.api.gql<{ scheduleMaintenance: { id: string } }>(
      SCHEDULE,
      {
        input: {
          startsAt: minute(-1).toISOString(),
          endsAt: minute(60).toISOString(),
          reason: 'moving racks',
        },
      },
      fx.tenant.adminKey,
    );
    assert.equal(window.errors, undefined, JSON.stringify(window.errors));
    await report('BREACH_STARTED', 0);
    await report('BREACH_PREDICTED', 0);
    assert.equal(await queued(), 0, 'nothing is queued during a tenant-wide window');

    const page = (
      await fx.api.gql<StatusPageResult>(STATUS_PAGE, { slug: fx.tenant.slug })
    ).data!.statusPage.endpoints.find((e) => e.name === 'Orders')!;
    assert.equal(page.state, 'MAINTENANCE');
    const html = await (await fetch(`${fx.api.url}/status/${fx.tenant.slug}`)).text();
    assert.match(html, /Under maintenance until [\d-]+ [\d:]+ UTC: moving racks/);
    assert.doesNotMatch(html, /All checks operational/);
    const active = await fx.api.gql<{ maintenanceWindows: { edges: unknown[] } }>(
      LIST,
      { activeAt: new Date().toISOString() },
      fx.tenant.adminKey,
    );
    assert.equal(active.data!.maintenanceWindows.edges.length, 1);

    await fx.api.gql(CANCEL, { id: window.data!.scheduleMaintenance.id }, fx.tenant.adminKey);
    await report('BREACH_STARTED', 0);
    assert.equal(await queued(), 2, 'after the window, notifications flow again (both hooks)');
    const after = (
      await fx.api.gql<StatusPageResult>(STATUS_PAGE, { slug: fx.tenant.slug })
    ).data!.statusPage.endpoints.find((e) => e.name === 'Orders')!;
    assert.notEqual(after.state, 'MAINTENANCE', 'the page shows the change at once');
    await queues.webhooks.empty();
  });

  it('announces a breach that began in maintenance once the window is over, if it is still going', async () => {
    const watch = () => watchTenantIncidents(fx.db.dataSource, queues, fx.tenant.id, new Date());
    const inWindow = async (onsetMinute: number) => {
      await ownerQuery(
        fx.db.ownerUrl,
        'update endpoint_incidents set resolved_at = now() where endpoint_id = $1',
        [endpoint.id],
      );
      await queues.webhooks.empty();
      const window = await fx.api.gql<{ scheduleMaintenance: { id: string } }>(
        SCHEDULE,
        {
          input: {
            endpointId: endpoint.id,
            startsAt: minute(-45).toISOString(),
            endsAt: minute(60).toISOString(),
          },
        },
        fx.tenant.adminKey,
      );
      await report('BREACH_STARTED', onsetMinute);
      assert.equal(await queued(), 0, 'nothing is sent during the window');
      assert.deepEqual(await watch(), [], 'nor by the watch while it lasts');
      await fx.api.gql(CANCEL, { id: window.data!.scheduleMaintenance.id }, fx.tenant.adminKey);
      return watch();
    };
    // Onset at minute -1, no good minutes since: still breaching when the window ends.
    const ongoing = await inWindow(-1);
    assert.deepEqual(
      ongoing.map((e) => e.event),
      ['BREACH_STARTED'],
    );
    assert.deepEqual(await queuedEvents(), ['BREACH_STARTED', 'BREACH_STARTED']);
    // Onset at -30 (the error burst), good minutes since: over within the window, never told.
    const over = await inWindow(-30);
    assert.deepEqual(over, []);
    assert.equal(await queued(), 0);
    const [incident] = await ownerQuery<{ resolved_at: Date | null }>(
      fx.db.ownerUrl,
      'select resolved_at from endpoint_incidents where endpoint_id = $1 and breach_started_at = $2',
      [endpoint.id, minute(-30)],
    );
    assert.ok(incident!.resolved_at, 'closed in silence');
    await queues.webhooks.empty();
  });

  it('an acknowledged prediction is not notified again in that episode; the onset still is', async () => {
    // Earlier tests' onsets opened incidents: close them so this one starts clean.
    await ownerQuery(
      fx.db.ownerUrl,
      'update endpoint_incidents set resolved_at = now() where endpoint_id = $1 and resolved_at is null',
      [endpoint.id],
    );
    const conflict = await fx.api.gql(ACK, { id: endpoint.id }, fx.tenant.adminKey);
    assert.equal(conflict.errors?.[0]?.extensions?.code, 'CONFLICT', 'nothing open: CONFLICT');

    await queues.webhooks.empty();
    await report('BREACH_PREDICTED', 1);
    assert.deepEqual(await queuedEvents(), ['BREACH_PREDICTED']);
    const acked = await fx.api.gql<{ acknowledgePrediction: { acknowledgedAt: string } }>(
      ACK,
      { id: endpoint.id },
      fx.tenant.adminKey,
    );
    assert.ok(acked.data!.acknowledgePrediction.acknowledgedAt);
    assert.deepEqual(
      await queuedEvents(),
      ['ACKNOWLEDGED', 'BREACH_PREDICTED'],
      'PagerDuty acknowledges its incident too',
    );
    await report('BREACH_PREDICTED', 2);
    assert.equal(await queued(), 2, 'no repeat prediction once acknowledged');
    await report('BREACH_STARTED', 3);
    assert.deepEqual(
      await queuedEvents(),
      ['ACKNOWLEDGED', 'BREACH_PREDICTED', 'BREACH_STARTED', 'BREACH_STARTED'],
      'an actual breach is still told',
    );
    const forbidden = await fx.api.gql(ACK, { id: endpoint.id }, await fx.tenant.key('read'));
    assert.equal(forbidden.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    await queues.webhooks.empty();
  });

  it("answers another tenant's ids exactly like random ones, on every new id-taking field", async () => {
    const other = await makeTenant(fx.db.dataSource, 'other');
    const window = await fx.api.gql<{ scheduleMaintenance: { id: string } }>(
      SCHEDULE,
      {
        input: {
          endpointId: endpoint.id,
          startsAt: minute(100).toISOString(),
          endsAt: minute(200).toISOString(),
        },
      },
      fx.tenant.adminKey,
    );
    const hook = await fx.api.gql<{
      webhooks: { edges: Array<{ cursor: string; node: { id: string } }> };
    }>(`{ webhooks(first: 1) { edges { cursor node { id } } } }`, {}, fx.tenant.adminKey);
    const ids = {
      endpoint: endpoint.id,
      window: window.data!.scheduleMaintenance.id,
      webhook: hook.data!.webhooks.edges[0]!.node.id,
    };
    const cursor = (kind: string, id: string) => Buffer.from(`${kind}:${id}`).toString('base64url');
    const span = { startsAt: minute(100).toISOString(), endsAt: minute(200).toISOString() };
    const attempts: Array<
      [string, (id: string) => Record<string, unknown>, keyof typeof ids, string?]
    > = [
      [`mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, (id) => ({ id }), 'webhook'],
      [`mutation($id: ID!) { testWebhook(id: $id) { ok } }`, (id) => ({ id }), 'webhook'],
      [CANCEL, (id) => ({ id }), 'window'],
      [SCHEDULE, (id) => ({ input: { endpointId: id, ...span } }), 'endpoint'],
      [LIST, (id) => ({ endpointId: id }), 'endpoint'],
      [ACK, (id) => ({ id }), 'endpoint'],
      [
        `query($after: String) { webhooks(after: $after) { edges { cursor } } }`,
        (id) => ({ after: cursor('webhook', id) }),
        'webhook',
        'cursor',
      ],
      [LIST, (id) => ({ after: cursor('maintenance', id) }), 'window', 'cursor'],
    ];
    const shape = (response: GraphqlResponse, id: string) =>
      JSON.stringify({
        data: response.data,
        errors: response.errors?.map((e) => ({
          code: e.extensions?.code,
          message: e.message.replace(id, '<id>'),
          path: e.path,
          details: JSON.stringify(e.extensions ?? {}).replace(id, '<id>'),
        })),
      });
    for (const [query, variables, kind] of attempts) {
      const theirs = ids[kind];
      const random = crypto.randomUUID();
      const cross = await fx.api.gql(query, variables(theirs), other.adminKey);
      const made = await fx.api.gql(query, variables(random), other.adminKey);
      assert.ok(cross.errors?.length, `${query}: refused`);
      assert.equal(shape(cross, theirs), shape(made, random), query);
    }
    // Nothing of theirs changed.
    const still = await ownerQuery(
      fx.db.ownerUrl,
      `select (select count(*) from webhooks where id = $1)::int as hooks, (select count(*) from maintenance_windows where id = $2)::int as windows`,
      [ids.webhook, ids.window],
    );
    assert.deepEqual(still[0], { hooks: 1, windows: 1 });
  });
});
