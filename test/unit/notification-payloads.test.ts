import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NoticeData } from '../../src/notifications/notice';
import { dedupKey, pagerDutyEvent } from '../../src/notifications/pagerduty-event';
import { slackMessage } from '../../src/notifications/slack-message';
import { mergeEpisodes } from '../../src/status/episodes';
import { bannerFor } from '../../src/status/render-status';
import type { StatusEndpoint } from '../../src/status/status-data';
import { assertPagerDutyEvent, assertSlackMessage } from '../helpers/payload-shapes';

const endpoint = {
  id: '6f1c2d3e-0000-4000-8000-000000000001',
  name: 'Checkout <API> & co',
  sla: {
    latencyThresholdMs: 300,
    latencyPercentile: 95,
    errorRateThreshold: 0.05,
    windowMinutes: 5,
    availabilityTarget: 0.999,
  },
};
const predicted: NoticeData = {
  endpointId: endpoint.id,
  endpoint,
  minute: '2026-11-29T06:00:00.000Z',
  incidentId: 'a1b2',
  probability: 0.42,
  threshold: 0.3,
  horizonMinutes: 15,
  statusPagePath: '/status/acme',
};

describe('Slack and PagerDuty payloads', () => {
  it('builds a Slack message naming the endpoint, what happened, the risk and the status page', () => {
    const message = slackMessage('BREACH_PREDICTED', predicted, 'https://sentinel.example.com');
    assertSlackMessage(message);
    const all = JSON.stringify(message);
    assert.match(
      message.text,
      /Checkout &lt;API&gt; &amp; co: SLA breach predicted, 42\.0% risk within 15 minutes/,
    );
    assert.match(all, /Checkout &lt;API&gt; &amp; co/, 'names are escaped in mrkdwn');
    assert.match(all, /p95 latency at most 300 ms/);
    assert.match(all, /<https:\/\/sentinel\.example\.com\/status\/acme\|Status page>/);
    const unlisted = slackMessage('BREACH_STARTED', { ...predicted, statusPagePath: null }, 'x');
    assert.ok(!JSON.stringify(unlisted).includes('Status page'), 'no link to a page not shown');
    const long = slackMessage(
      'BREACH_STARTED',
      { ...predicted, endpoint: { ...endpoint, name: 'x'.repeat(400) } },
      'x',
    );
    assertSlackMessage(long);
  });

  it('builds PagerDuty triggers and resolves that share one dedup key per episode', () => {
    const trigger = pagerDutyEvent('BREACH_STARTED', predicted, 'R0UT1NGKEY', 'https://s.example');
    assertPagerDutyEvent(trigger, 'trigger');
    assert.equal((trigger.payload as { severity: string }).severity, 'critical');
    const resolve = pagerDutyEvent('RECOVERED', predicted, 'R0UT1NGKEY', 'https://s.example');
    assertPagerDutyEvent(resolve, 'resolve');
    assert.equal(resolve.dedup_key, trigger.dedup_key);
    const ack = pagerDutyEvent('ACKNOWLEDGED', predicted, 'R0UT1NGKEY', 'https://s.example');
    assertPagerDutyEvent(ack, 'acknowledge');
    assert.equal(ack.dedup_key, trigger.dedup_key);
    assert.equal(dedupKey(predicted), 'sentinel-a1b2');
    assert.notEqual(dedupKey({ ...predicted, incidentId: 'other' }), trigger.dedup_key);
  });
});

describe('status page pieces', () => {
  const at = (m: number) => new Date(Date.UTC(2026, 10, 29, 0, m));
  it('merges runs less than windowMinutes apart into one episode, as SPEC section 4 counts them', () => {
    const runs = [
      { start: at(0), end: at(2), minutes: 3 },
      { start: at(5), end: at(5), minutes: 1 }, // 2 good minutes between: a flap
      { start: at(20), end: at(21), minutes: 2 },
    ];
    const merged = mergeEpisodes(runs, 5);
    assert.deepEqual(
      merged.map((e) => [e.start, e.end, e.minutes]),
      [
        [at(0), at(5), 4],
        [at(20), at(21), 2],
      ],
    );
    assert.deepEqual(mergeEpisodes(merged, 5), merged, 'merging twice changes nothing');
  });

  it('never says "All checks operational" above a check without data or in maintenance', () => {
    const e = (state: StatusEndpoint['state']) => ({ state }) as StatusEndpoint;
    assert.equal(bannerFor([e('OPERATIONAL'), e('OPERATIONAL')]).text, 'All checks operational');
    assert.equal(
      bannerFor([e('OPERATIONAL'), e('NO_DATA')]).text,
      '1 of 2 checks without recent data',
    );
    assert.match(
      bannerFor([e('OPERATIONAL'), e('MAINTENANCE')]).text,
      /1 of 2 checks under maintenance/,
    );
    assert.equal(
      bannerFor([e('NO_DATA'), e('BREACHED')]).text,
      '1 of 2 checks breaching their SLA',
    );
  });
});
