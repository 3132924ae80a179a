import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Endpoint } from '../src/entities/endpoint.entity';
import { forgetStatusPages, statusPageData } from '../src/status/status-data';
import { startTestApi, useApiFixture, type TestApi } from './helpers/api';
import { endpointWithHistory } from './helpers/history';

const UPDATE = `mutation($id: ID!, $input: UpdateEndpointInput!) { updateEndpoint(id: $id, input: $input) { id } }`;

describe('status pages are never stale (issue 10, item 12)', () => {
  const fx = useApiFixture();
  let second: TestApi;
  let endpoint: Endpoint;

  before(async () => {
    // Another API instance on the same database and Redis, with its own page cache.
    second = await startTestApi(fx.db);
    endpoint = await endpointWithHistory(fx, {
      sla: { latencyThresholdMs: 300 },
      anchor: new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000),
      firstMinute: -30,
      sample: () => ({ latencyMs: 80 }),
    });
    await fx.api.gql(
      UPDATE,
      { id: endpoint.id, input: { name: 'Storefront', public: true } },
      fx.tenant.adminKey,
    );
    await fx.api.gql(
      `mutation { publishStatusPage(published: true) { slug } }`,
      {},
      fx.tenant.adminKey,
    );
  });
  after(async () => {
    await second?.stop();
  });

  const pageOn = async (api: TestApi) => {
    const response = await fetch(`${api.url}/status/${fx.tenant.slug}`);
    // No shared cache may keep it either (a CDN would serve a made-private endpoint).
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    return response.text();
  };

  it('shows a change made through one instance at once on another: private, renamed, archived', async () => {
    assert.match(await pageOn(second), /Storefront/, 'cached on the second instance');
    await fx.api.gql(UPDATE, { id: endpoint.id, input: { public: false } }, fx.tenant.adminKey);
    assert.doesNotMatch(await pageOn(second), /Storefront/, 'made private: gone at once');
    await fx.api.gql(
      UPDATE,
      { id: endpoint.id, input: { public: true, name: 'Shop front' } },
      fx.tenant.adminKey,
    );
    const renamed = await pageOn(second);
    assert.match(renamed, /Shop front/);
    assert.doesNotMatch(renamed, /Storefront/);
    await fx.api.gql(
      `mutation($id: ID!) { archiveEndpoint(id: $id) { id } }`,
      { id: endpoint.id },
      fx.tenant.adminKey,
    );
    assert.doesNotMatch(await pageOn(second), /Shop front/, 'archived: gone at once');
  });

  it('never serves a page older than the maximum age, even to the first visitor after a quiet spell', async () => {
    forgetStatusPages();
    const options = { maxAgeMs: 60_000 };
    const t0 = new Date();
    const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
    const first = await statusPageData(fx.db.dataSource, fx.tenant.slug, options, t0);
    assert.equal(first!.generatedAt.getTime(), t0.getTime());
    const soon = await statusPageData(fx.db.dataSource, fx.tenant.slug, options, at(20));
    assert.equal(soon!.generatedAt.getTime(), t0.getTime(), 'a young page is served from cache');
    // 22 minutes of silence, then a visitor: a fresh page, not the one from t0.
    const later = await statusPageData(fx.db.dataSource, fx.tenant.slug, options, at(22 * 60));
    assert.equal(later!.generatedAt.getTime(), at(22 * 60).getTime());
  });
});
