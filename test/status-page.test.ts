import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Endpoint } from '../src/entities/endpoint.entity';
import { dailyAvailability, minuteFlags } from '../src/telemetry/sla';
import { withTenant } from '../src/tenancy/with-tenant';
import { ownerQuery } from './helpers/database';
import { useApiFixture } from './helpers/api';
import { makeTenant } from './helpers/factories';
import {
  endpointsForStatusPage,
  PRIVATE_NAME,
  PUBLIC_NAME,
  STATUS_PAGE,
  type StatusPageResult,
} from './helpers/status-fixture';

describe('public status pages', () => {
  const fx = useApiFixture();
  let privateEndpoint: Endpoint;
  let publicEndpoint: Endpoint;

  before(async () => {
    ({ privateEndpoint, publicEndpoint } = await endpointsForStatusPage(fx));
  });

  const page = async (path: string) => {
    const response = await fetch(`${fx.api.url}${path}`);
    return {
      status: response.status,
      body: await response.text(),
      csp: response.headers.get('content-security-policy'),
    };
  };

  it('answers an unpublished page exactly like an unknown slug: 404, no hint', async () => {
    const unpublished = await page(`/status/${fx.tenant.slug}`);
    const unknown = await page('/status/no-such-tenant');
    const malformed = await page('/status/..%2Fadmin');
    assert.deepEqual([unpublished.status, unknown.status, malformed.status], [404, 404, 404]);
    assert.equal(unpublished.body, unknown.body);
    assert.ok(!unpublished.body.includes(fx.tenant.slug));
    const viaApi = await fx.api.gql(STATUS_PAGE, { slug: fx.tenant.slug });
    const unknownViaApi = await fx.api.gql(STATUS_PAGE, { slug: 'no-such-tenant' });
    assert.equal(viaApi.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    assert.equal(
      viaApi.errors![0]!.message.replace(fx.tenant.slug, 'x'),
      unknownViaApi.errors![0]!.message.replace('no-such-tenant', 'x'),
    );
  });

  it('publishes with an admin key only, then shows the public endpoint and nothing private', async () => {
    const publish = `mutation($p: Boolean!) { publishStatusPage(published: $p) { slug statusPagePublished } }`;
    const refused = await fx.api.gql(publish, { p: true }, await fx.tenant.key('read'));
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const published = await fx.api.gql<{ publishStatusPage: { statusPagePublished: boolean } }>(
      publish,
      { p: true },
      fx.tenant.adminKey,
    );
    assert.equal(published.data!.publishStatusPage.statusPagePublished, true);

    const html = await page(`/status/${fx.tenant.slug}`);
    assert.equal(html.status, 200);
    assert.match(html.csp!, /default-src 'none'/);
    assert.ok(html.body.includes(PUBLIC_NAME));
    for (const secret of [PRIVATE_NAME, privateEndpoint.id, 'billing.internal.example'])
      assert.ok(!html.body.includes(secret), `${secret} leaked`);
    assert.ok(!/<script/i.test(html.body), 'works without JavaScript');
    assert.ok(!/(src|href)="https?:/i.test(html.body), 'no external assets');

    const api = await fx.api.gql<StatusPageResult>(STATUS_PAGE, { slug: fx.tenant.slug });
    const [endpoint, ...others] = api.data!.statusPage.endpoints;
    assert.equal(others.length, 0);
    assert.equal(endpoint!.name, PUBLIC_NAME);
    assert.equal(endpoint!.uptimeDays.length, 90);
    const measured = endpoint!.uptimeDays.filter((d) => d.availability !== null);
    assert.ok(
      measured.length >= 2 && measured.length <= 3,
      'two days of history span two or three UTC days',
    );
    assert.ok(
      measured.some((d) => d.availability! < 0.99),
      'the error burst shows on its day',
    );
    assert.ok(endpoint!.episodes.length >= 1);
    assert.ok(
      endpoint!.latency.length >= 96 && endpoint!.latency.length <= 97,
      '15-minute buckets over 24 hours',
    );

    // The bars in the page carry the same numbers as the API.
    const bars = [...html.body.matchAll(/data-day="([\d-]+)" data-availability="([^"]*)"/g)].map(
      (m) => [m[1], m[2] === '' ? null : Number(m[2])],
    );
    assert.deepEqual(
      bars,
      endpoint!.uptimeDays.map((d) => [d.day.slice(0, 10), d.availability]),
    );

    const withdrawn = await fx.api.gql(publish, { p: false }, fx.tenant.adminKey);
    assert.equal(withdrawn.errors, undefined);
    assert.equal((await page(`/status/${fx.tenant.slug}`)).status, 404);
    await fx.api.gql(publish, { p: true }, fx.tenant.adminKey);
  });

  it("gives each day's availability from the running totals: the per-minute flags' answer, maintenance left out, an SLA change followed at once", async () => {
    const read = () =>
      withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
        m.findOneByOrFail(Endpoint, { id: publicEndpoint.id }),
      );
    const now = new Date();
    const DAY = 86_400_000;
    const from = new Date(Math.floor(now.getTime() / DAY) * DAY - 89 * DAY);
    // The reference: every evaluated minute's flag (window functions over the rollups), by UTC day.
    const fromFlags = async (endpoint: Endpoint) => {
      const flags = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
        minuteFlags(m, endpoint, new Date(from.getTime() - 60_000), now),
      );
      const days = new Map<number, { minutes: number; breachedMinutes: number }>();
      for (const f of flags) {
        const day = Math.floor(f.minute.getTime() / DAY) * DAY;
        const d = days.get(day) ?? { minutes: 0, breachedMinutes: 0 };
        d.minutes++;
        if (f.breached) d.breachedMinutes++;
        days.set(day, d);
      }
      return Array.from({ length: 90 }, (_, i) => {
        const d = days.get(from.getTime() + i * DAY);
        return [from.getTime() + i * DAY, d?.minutes ?? 0, d?.breachedMinutes ?? 0];
      });
    };
    const fromTotals = async (endpoint: Endpoint) =>
      (
        await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
          dailyAvailability(m, endpoint, 90, now),
        )
      ).map((d) => [d.day.getTime(), d.minutes, d.breachedMinutes]);
    const breached = (days: number[][]) => days.reduce((sum, d) => sum + d[2]!, 0);

    let endpoint = await read();
    const plain = await fromTotals(endpoint);
    assert.deepEqual(plain, await fromFlags(endpoint));
    assert.ok(breached(plain) > 0, 'the error burst breaches');
    assert.equal(plain.filter((d) => d[1]! > 0).length >= 2, true, 'two days with data');

    // Two overlapping maintenance windows over part of the burst: the endpoint's and the tenant's.
    const burst = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 1201 * 60_000);
    await ownerQuery(
      fx.db.ownerUrl,
      `insert into maintenance_windows (tenant_id, endpoint_id, starts_at, ends_at)
       values ($1, $2, $3, $3::timestamptz + interval '20 minutes'),
              ($1, null, $3::timestamptz + interval '10 minutes', $3::timestamptz + interval '3 hours')`,
      [fx.tenant.id, endpoint.id, burst],
    );
    try {
      const maintained = await fromTotals(endpoint);
      assert.deepEqual(maintained, await fromFlags(endpoint));
      assert.ok(breached(maintained) < breached(plain), 'maintenance minutes count neither way');
    } finally {
      await ownerQuery(fx.db.ownerUrl, 'delete from maintenance_windows where tenant_id = $1', [
        fx.tenant.id,
      ]);
    }

    const update = `mutation($id: ID!, $input: UpdateEndpointInput!) { updateEndpoint(id: $id, input: $input) { id } }`;
    await fx.api.gql(
      update,
      { id: endpoint.id, input: { sla: { errorRateThreshold: 0.2 } } },
      fx.tenant.adminKey,
    );
    endpoint = await read();
    const laxer = await fromTotals(endpoint);
    assert.deepEqual(laxer, await fromFlags(endpoint));
    assert.ok(breached(laxer) < breached(plain), 'a laxer SLA breaches less, at once');
  });

  it("serves Tenant0's page at /status with Sentinel's own checks, and no other tenant's", async () => {
    const other = await makeTenant(fx.db.dataSource);
    const html = await page('/status');
    assert.equal(html.status, 200);
    assert.match(html.body, /Sentinel \(Tenant0\) status/);
    assert.ok(
      html.body.includes('/healthz') || html.body.includes('health'),
      'Sentinel watches its own health',
    );
    for (const name of [PUBLIC_NAME, PRIVATE_NAME, other.slug])
      assert.ok(!html.body.includes(name));
  });
});
