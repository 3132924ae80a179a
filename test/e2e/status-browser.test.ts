import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { useApiFixture } from '../helpers/api';
import { ARTIFACTS, launchChromium, ROOT } from '../helpers/browser';
import { ownerQuery } from '../helpers/database';
import {
  endpointsForStatusPage,
  PRIVATE_NAME,
  PUBLIC_NAME,
  STATUS_PAGE,
  type StatusPageResult,
} from '../helpers/status-fixture';

describe('status page in a real browser (headless Chromium)', () => {
  const fx = useApiFixture();
  let browser: Browser;

  before(async () => {
    const { publicEndpoint } = await endpointsForStatusPage(fx);
    await fx.api.gql(
      `mutation { publishStatusPage(published: true) { slug } }`,
      {},
      fx.tenant.adminKey,
    );
    // A current forecast for the public endpoint: a registry row and its latest prediction, as the
    // scoring job would leave them (the page reads only the prediction and the model's horizon).
    const [model] = await ownerQuery<{ id: string }>(
      fx.db.ownerUrl,
      `insert into models (tenant_id, version, status, horizon_minutes, feature_names, normalization, hidden_units, threshold,
                           training_from, training_to, evaluation, topology, weight_specs, weights, artifact_sha256)
       values ($1, 1, 'ACTIVE', 15, '{}', '{}', '{32,16}', 0.6, now() - interval '2 days', now(), '{}', '{}', '[]', '', repeat('0', 64))
       returning id`,
      [fx.tenant.id],
    );
    await ownerQuery(
      fx.db.ownerUrl,
      `insert into predictions (tenant_id, endpoint_id, minute, model_id, probability, above_threshold, top_features)
       values ($1, $2, date_trunc('minute', now()) - interval '1 minute', $3, 0.42, false, '[]')`,
      [fx.tenant.id, publicEndpoint.id, model!.id],
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it('renders the uptime bars and the risk the API reports, and never the private endpoint', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
    // Every request the page makes, wherever it goes: none may leave the machine.
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const response = await page.goto(`${fx.api.url}/status/${fx.tenant.slug}`);
    assert.equal(response!.status(), 200);
    assert.equal(await page.title(), `${fx.tenant.slug} status`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'status-page.png'), fullPage: true });
    // The picture in docs/OPERATIONS.md, taken from what this test just checked. It is written
    // into docs/ only on request, so a test run never leaves the checkout changed.
    const docsPicture = process.env.UPDATE_DOC_SCREENSHOTS === '1';
    const pictureDir = docsPicture ? path.join(ROOT, 'docs/img') : ARTIFACTS;
    fs.mkdirSync(pictureDir, { recursive: true });
    const height = await page.evaluate(() => document.body.scrollHeight + 32);
    await page.screenshot({
      path: path.join(pictureDir, docsPicture ? 'status-page.png' : 'status-page-docs.png'),
      clip: { x: 0, y: 0, width: 1000, height: Math.min(height, 1400) },
    });
    assert.ok(requested.length >= 1);
    for (const url of requested)
      assert.equal(new URL(url).origin, new URL(fx.api.url).origin, `${url} left the machine`);

    const api = (await fx.api.gql<StatusPageResult>(STATUS_PAGE, { slug: fx.tenant.slug })).data!
      .statusPage;
    const endpoint = api.endpoints.find((e) => e.name === PUBLIC_NAME)!;
    const section = page.locator(`section[data-endpoint="${PUBLIC_NAME}"]`);
    const bars = await section
      .locator('svg.uptime rect')
      .evaluateAll((rects) => rects.map((r) => r.getAttribute('data-availability')));
    assert.deepEqual(
      bars.map((b) => (b === '' ? null : Number(b))),
      endpoint.uptimeDays.map((d) => d.availability),
    );
    // What a visitor sees: the bars are painted, and the risk reads as the API's probability.
    const painted = await section.locator('svg.uptime').boundingBox();
    assert.ok(painted && painted.width > 500 && painted.height > 20);
    assert.equal(endpoint.risk!.probability, 0.42);
    assert.match(
      await section.locator('.risk').innerText(),
      /Breach risk in the next 15 minutes: 42\.0% \(alert threshold 60%\)/,
    );
    // 0.42 is below the model's threshold (0.6) but more than half of it: amber, not green.
    assert.equal(await section.locator('.risk').getAttribute('data-level'), 'elevated');
    const riskColor = await section
      .locator('.risk strong')
      .evaluate((el) => getComputedStyle(el).color);
    assert.equal(riskColor, 'rgb(154, 103, 0)');

    // Each bar says its day, availability and breached minutes on hover; a legend explains colours.
    const titles = await section
      .locator('svg.uptime rect title')
      .evaluateAll((nodes) => nodes.map((n) => n.textContent));
    const measured = endpoint.uptimeDays.findIndex((d) => d.availability !== null);
    assert.match(
      titles[measured]!,
      new RegExp(
        `^${endpoint.uptimeDays[measured]!.day.slice(0, 10)}: [\\d.]+% available, ${endpoint.uptimeDays[measured]!.breachedMinutes} breached minutes?$`,
      ),
    );
    assert.ok(await section.locator('.legend').isVisible());
    assert.match(await section.locator('.legend').innerText(), /Target met[^]*No data/);
    // The latency chart has its axes and is painted.
    assert.deepEqual(await section.locator('svg.latency .x-label').allTextContents(), [
      '24 h ago',
      '12 h ago',
      'now',
    ]);
    assert.equal(await section.locator('svg.latency .y-label').count(), 3);
    assert.ok((await section.locator('svg.latency polyline').count()) >= 1);
    // The breach count is the API's true count of episodes.
    assert.match(
      await section.locator('.episodes summary').innerText(),
      new RegExp(`Recent SLA breaches \\(${endpoint.episodeCount} in 7 days\\)`),
    );
    // The banner agrees with the checks below it.
    const states = await page
      .locator('section.endpoint')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state')));
    const banner = await page.locator('.banner').innerText();
    if (states.every((st) => st === 'OPERATIONAL')) assert.equal(banner, 'All checks operational');
    else assert.notEqual(banner, 'All checks operational');

    const source = await page.content();
    assert.ok(!source.includes(PRIVATE_NAME), 'the private endpoint is not in the page source');
    assert.equal(await page.locator('script').count(), 0);
    await page.close();
  });

  it('serves a valid Atom feed of the incidents, as a feed reader parses it', async () => {
    const page = await browser.newPage();
    const feedUrl = `${fx.api.url}/status/${fx.tenant.slug}/feed.atom`;
    const response = await page.request.get(feedUrl);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type']!, /^application\/atom\+xml/);
    const xml = await response.text();
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const atom = 'http://www.w3.org/2005/Atom';
      const entries = [...doc.getElementsByTagNameNS(atom, 'entry')];
      return {
        error: doc.getElementsByTagName('parsererror').length,
        root: `${doc.documentElement.namespaceURI} ${doc.documentElement.localName}`,
        feedChildren: ['id', 'title', 'updated', 'author'].map(
          (name) => doc.documentElement.getElementsByTagNameNS(atom, name).length > 0,
        ),
        entries: entries.map((e) =>
          ['id', 'title', 'updated'].every((n) => e.getElementsByTagNameNS(atom, n).length === 1),
        ),
      };
    }, xml);
    const api = (await fx.api.gql<StatusPageResult>(STATUS_PAGE, { slug: fx.tenant.slug })).data!
      .statusPage;
    assert.deepEqual(parsed, {
      error: 0,
      root: 'http://www.w3.org/2005/Atom feed',
      feedChildren: [true, true, true, true],
      entries: api.endpoints.flatMap((e) => e.episodes).map(() => true),
    });
    assert.ok(parsed.entries.length >= 1, 'the fixture has an incident');
    await page.close();
  });

  it("shows Sentinel's own health at /status, and a plain 404 for an unknown slug", async () => {
    const page = await browser.newPage();
    const own = await page.goto(`${fx.api.url}/status`);
    assert.equal(own!.status(), 200);
    assert.match(await page.locator('h1').innerText(), /Sentinel \(Tenant0\) status/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'status-tenant0.png'), fullPage: true });
    const missing = await page.goto(`${fx.api.url}/status/not-a-tenant`);
    assert.equal(missing!.status(), 404);
    assert.equal(await page.locator('h1').innerText(), 'Not found');
    await page.close();
  });
});
