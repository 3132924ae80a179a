import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Endpoint } from '../src/entities/endpoint.entity';
import { dailyAvailability } from '../src/telemetry/sla';
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

  it('keeps settled days of availability, gives the same answer from them, and drops them when the SLA changes', async () => {
    const endpoint = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      m.findOneByOrFail(Endpoint, { id: publicEndpoint.id }),
    );
    const now = new Date();
    const computed = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      dailyAvailability(m, endpoint, 90, now),
    );
    const kept = await ownerQuery(
      fx.db.ownerUrl,
      'select day from availability_daily where endpoint_id = $1',
      [endpoint.id],
    );
    assert.ok(kept.length >= 1, 'the day before yesterday is settled and kept');
    const fromTable = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      dailyAvailability(m, endpoint, 90, now),
    );
    assert.deepEqual(fromTable, computed);
    const update = `mutation($id: ID!, $input: UpdateEndpointInput!) { updateEndpoint(id: $id, input: $input) { id } }`;
    await fx.api.gql(
      update,
      { id: endpoint.id, input: { sla: { errorRateThreshold: 0.2 } } },
      fx.tenant.adminKey,
    );
    assert.equal(
      (
        await ownerQuery(
          fx.db.ownerUrl,
          'select day from availability_daily where endpoint_id = $1',
          [endpoint.id],
        )
      ).length,
      0,
    );
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
