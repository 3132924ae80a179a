import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderNotFound, renderStatusPage } from '../../src/status/render-status';
import type { StatusEndpoint, StatusPageData } from '../../src/status/status-data';

const DAY = 86_400_000;
const NOW = new Date('2026-03-01T12:00:00Z');
const FEED = '/status/acme/feed.atom';

function endpoint(overrides: Partial<StatusEndpoint> = {}): StatusEndpoint {
  return {
    name: 'API <edge> & "friends"',
    state: 'OPERATIONAL',
    availabilityTarget: 0.999,
    availability90d: 0.99953,
    uptimeDays: [
      { day: new Date(NOW.getTime() - 2 * DAY), availability: 1, breachedMinutes: 0 },
      { day: new Date(NOW.getTime() - DAY), availability: 0.997, breachedMinutes: 4 },
      { day: NOW, availability: null, breachedMinutes: 0 },
    ],
    latencyThresholdMs: 500,
    latency: [
      { start: new Date(NOW.getTime() - 30 * 60_000), p95: 120 },
      { start: new Date(NOW.getTime() - 15 * 60_000), p95: null },
      { start: NOW, p95: 180 },
    ],
    risk: null,
    maintenance: null,
    episodeCount: 0,
    episodes: [],
    ...overrides,
  };
}

const page = (endpoints: StatusEndpoint[]): StatusPageData => ({
  slug: 'acme',
  name: 'Acme <Corp>',
  generatedAt: NOW,
  endpoints,
});

describe('renderStatusPage', () => {
  it('escapes every tenant-given text and has no script', () => {
    const html = renderStatusPage(page([endpoint()]), FEED);
    assert.ok(html.includes('<title>Acme &lt;Corp&gt; status</title>'));
    assert.ok(html.includes('API &lt;edge&gt; &amp; &quot;friends&quot;'));
    assert.ok(!html.includes('<edge>'));
    assert.doesNotMatch(html, /<script/i);
  });

  it('shows the banner, each day coloured against the target, and the 90-day availability', () => {
    const html = renderStatusPage(page([endpoint()]), FEED);
    assert.ok(html.includes('All checks operational'));
    assert.ok(html.includes('99.953% available over 3 days (target 99.90%)'));
    // Met the target: green. 0.997 is within five error budgets (0.995): amber. No data: grey.
    assert.match(html, /fill="#1a7f37" data-day="2026-02-27" data-availability="1"/);
    assert.match(html, /fill="#9a6700" data-day="2026-02-28" data-availability="0.997"/);
    assert.match(html, /fill="#d0d7de" data-day="2026-03-01" data-availability=""/);
    assert.ok(html.includes('Updated 2026-03-01 12:00 UTC.'));
    assert.ok(html.includes(`href="${FEED}"`), 'links its Atom feed');
  });

  it('counts breaching checks in the banner, and says so when there are none', () => {
    const html = renderStatusPage(
      page([endpoint({ state: 'BREACHED' }), endpoint({ name: 'b' }), endpoint({ name: 'c' })]),
      FEED,
    );
    assert.ok(html.includes('1 of 3 checks breaching their SLA'));
    assert.ok(html.includes('SLA breached'));
    assert.ok(renderStatusPage(page([]), FEED).includes('No public checks yet.'));
  });

  it('answers unknown pages with the same page whatever was asked', () => {
    assert.equal(renderNotFound(), renderNotFound());
    assert.ok(renderNotFound().includes('There is no status page here.'));
  });
});
