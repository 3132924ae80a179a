import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { riskLevel } from '../../src/scoring/predictions';
import { renderAtomFeed } from '../../src/status/render-feed';
import { renderStatusPage } from '../../src/status/render-status';
import type { StatusEndpoint, StatusPageData } from '../../src/status/status-data';

const day = (d: number) => new Date(Date.UTC(2026, 10, 20 + d));
const episode = (i: number) => ({
  start: new Date(Date.UTC(2026, 10, 28, i)),
  end: new Date(Date.UTC(2026, 10, 28, i, 4)),
  minutes: 5,
  key: `k${i}`,
});

function endpoint(overrides: Partial<StatusEndpoint> = {}): StatusEndpoint {
  return {
    name: 'API & <friends>',
    state: 'OPERATIONAL',
    availabilityTarget: 0.999,
    availability90d: 0.9995,
    uptimeDays: [
      { day: day(0), availability: null, breachedMinutes: 0 },
      { day: day(1), availability: 0.998, breachedMinutes: 3 },
    ],
    latencyThresholdMs: 300,
    latency: [
      { start: day(0), p95: null },
      { start: day(1), p95: 120 },
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
  name: 'Acme',
  generatedAt: new Date(Date.UTC(2026, 10, 29, 6)),
  endpoints,
});

describe('status page rendering', () => {
  it('titles each day with its date, availability and breached minutes, under a legend', () => {
    const html = renderStatusPage(page([endpoint()]), '/status/acme/feed.atom');
    assert.match(html, /<title>2026-11-21: 99\.800% available, 3 breached minutes<\/title>/);
    assert.match(html, /<title>2026-11-20: no data<\/title>/);
    assert.match(html, /class="legend"/);
    for (const label of ['Target met', 'Below target', 'Far below', 'No data'])
      assert.ok(html.includes(label), label);
  });

  it('draws latency axes, and a lone first point as a visible dot', () => {
    const html = renderStatusPage(page([endpoint()]), '/f');
    assert.match(html, /class="y-label"[^>]*>0 ms</);
    assert.match(html, /class="x-label"[^>]*>24 h ago</);
    assert.match(html, /class="x-label"[^>]*>now</);
    assert.match(html, /<circle class="point"/, 'one point with data is drawn');
  });

  it('counts every breach episode, while listing the latest ten', () => {
    const episodes = Array.from({ length: 10 }, (_, i) => episode(i));
    const html = renderStatusPage(page([endpoint({ episodeCount: 14, episodes })]), '/f');
    assert.match(html, /Recent SLA breaches \(14 in 7 days\)/);
    assert.match(html, /and 4 earlier/);
  });

  it('colours the risk against the model threshold, and hides it without a probability', () => {
    const risk = (probability: number | null) =>
      renderStatusPage(
        page([
          endpoint({
            risk: {
              probability,
              percent: probability === null ? null : probability * 100,
              level: probability === null ? null : riskLevel(probability, 0.4),
              horizonMinutes: 15,
              aboveThreshold: false,
              threshold: 0.4,
              minute: day(1),
            },
          }),
        ]),
        '/f',
      );
    assert.match(risk(0.1), /data-level="low"[^]*color:#1a7f37[^]*10\.0%/);
    assert.match(risk(0.25), /data-level="elevated"/);
    assert.match(
      risk(0.2),
      /data-level="elevated"/,
      'the re-arm level (half the threshold) is amber',
    );
    assert.match(risk(0.199), /data-level="low"/);
    assert.match(risk(0.4), /data-level="high"[^]*color:#d1242f/, 'at the threshold is not green');
    assert.doesNotMatch(risk(null), /class="risk"/);
    assert.doesNotMatch(renderStatusPage(page([endpoint()]), '/f'), /class="risk"|forecast/i);
  });

  it('writes an Atom feed of the incidents, newest first, with escaped names', () => {
    const feed = renderAtomFeed(
      page([endpoint({ episodeCount: 2, episodes: [episode(3), episode(1)] })]),
      'https://status.example.com/status/acme',
    );
    assert.match(
      feed,
      /^<\?xml version="1\.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom">/,
    );
    for (const element of ['<id>', '<title>', '<updated>', '<author><name>Acme</name></author>'])
      assert.ok(feed.includes(element), element);
    assert.match(
      feed,
      /<link rel="self" type="application\/atom\+xml" href="https:\/\/status\.example\.com\/status\/acme\/feed\.atom"\/>/,
    );
    const ids = [...feed.matchAll(/<id>urn:sentinel:incident:(\w+)<\/id>/g)].map((m) => m[1]);
    assert.deepEqual(ids, ['k3', 'k1']);
    assert.ok(feed.includes('API &amp; &lt;friends&gt;: SLA breach, 5 breached minutes'));
    assert.match(
      feed,
      /<updated>2026-11-28T03:04:00\.000Z<\/updated>\n {2}<author>/,
      'the feed is as new as its newest entry',
    );
  });
});
