import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Endpoint } from '../src/entities/endpoint.entity';
import { breachEpisodes, slaSummary } from '../src/telemetry/sla';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { makeTenant } from './helpers/factories';
import { endpointWithHistory } from './helpers/history';

// The anchor is the evaluated minute; samples cover minutes -60..0 relative to it.
const ANCHOR = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
const minute = (offset: number) => new Date(ANCHOR.getTime() + offset * 60_000);

describe('SLA status from rollups', () => {
  const fx = useApiFixture();
  let endpoint: Endpoint;

  before(async () => {
    // Ten samples a minute at 100 ms, except: minutes -30..-26 all at 500 ms (slow), and
    // minute -5 with 3 errors of 10 (6% over a 5-minute window of 50 samples > 5%).
    endpoint = await endpointWithHistory(fx, {
      sla: {
        latencyThresholdMs: 300,
        latencyPercentile: 95,
        errorRateThreshold: 0.05,
        windowMinutes: 5,
        availabilityTarget: 0.99,
      },
      anchor: ANCHOR,
      firstMinute: -60,
      sample: (m, i) => {
        const failed = m === -5 && i < 3;
        return {
          latencyMs: m >= -30 && m <= -26 ? 500 : 100,
          statusCode: failed ? 503 : 200,
          errorKind: failed ? 'unexpected_status' : null,
        };
      },
    });
  });

  it('finds the breach episodes: the slow run (and its window tail), and the error burst', async () => {
    const episodes = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      breachEpisodes(m, endpoint, minute(-61), minute(0)),
    );
    assert.deepEqual(
      episodes.map((e) => [e.start.toISOString(), e.end.toISOString(), e.minutes]),
      [
        [minute(-30).toISOString(), minute(-22).toISOString(), 9],
        [minute(-5).toISOString(), minute(-1).toISOString(), 5],
      ],
    );
  });

  it('computes compliance, error budget and burn rates by the definitions', async () => {
    const summary = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      slaSummary(m, endpoint, ANCHOR),
    );
    const minutesWithData = 61;
    const bad = 14;
    assert.equal(summary.breachedNow, false, 'minute -5 has left the window ending at minute 0');
    assert.equal(summary.availability, 1 - bad / minutesWithData);
    // Over the successful samples only: the 3 errored ones count through the error rate.
    assert.equal(summary.latencyCompliance, 1 - 50 / 607);
    assert.ok(
      Math.abs(summary.errorBudgetRemaining! - (1 - bad / (0.01 * minutesWithData))) < 1e-9,
    );
    assert.deepEqual(summary.current, { sampleCount: 50, errorRate: 0, slowFraction: 0 });
    // Burn = bad share of the window's minutes / (1 - 0.99). Bad minutes: -30..-22 and -5..-1.
    assert.ok(Math.abs(summary.burnRates.m5! - 4 / 5 / 0.01) < 1e-9);
    assert.ok(Math.abs(summary.burnRates.m30! - 13 / 30 / 0.01) < 1e-9);
    assert.ok(Math.abs(summary.burnRates.h1! - 14 / 60 / 0.01) < 1e-9);
    assert.ok(Math.abs(summary.burnRates.h6! - 14 / 61 / 0.01) < 1e-9);
  });

  it('is breached at a minute whose window is over the latency or error threshold', async () => {
    const atSlow = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      slaSummary(m, endpoint, minute(-28)),
    );
    assert.equal(atSlow.breachedNow, true);
    const atErrors = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      slaSummary(m, endpoint, minute(-3)),
    );
    assert.equal(atErrors.breachedNow, true);
    assert.equal(atErrors.current.errorRate, 3 / 50);
  });

  it('serves slaStatus and telemetry over GraphQL, and NOT_FOUND for another tenant', async () => {
    const query = `query($id: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
      slaStatus(endpointId: $id) { endpointId availability30d availabilityTarget burnRates { h1 } episodes(from: $from, to: $to) { minutes } }
      telemetry(endpointId: $id, from: $from, to: $to, bucketMinutes: 30) { start sampleCount errorCount latencyMax } }`;
    const variables = {
      id: endpoint.id,
      from: minute(-60).toISOString(),
      to: minute(1).toISOString(),
    };
    const response = await fx.api.gql<{
      slaStatus: { availabilityTarget: number; episodes: Array<{ minutes: number }> };
      telemetry: Array<{
        start: string;
        sampleCount: number;
        errorCount: number;
        latencyMax: number | null;
      }>;
    }>(query, variables, await fx.tenant.key('read'));
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.equal(response.data!.slaStatus.availabilityTarget, 0.99);
    assert.equal(
      response.data!.telemetry.reduce((sum, b) => sum + b.sampleCount, 0),
      610,
    );
    assert.equal(
      response.data!.telemetry.reduce((sum, b) => sum + b.errorCount, 0),
      3,
    );
    assert.equal(Math.max(...response.data!.telemetry.map((b) => b.latencyMax ?? 0)), 500);

    const other = await makeTenant(fx.db.dataSource, 'other');
    const foreign = await fx.api.gql(query, variables, other.adminKey);
    assert.equal(foreign.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  it('refuses ranges that are empty or have too many buckets', async () => {
    const q =
      'query($id: ID!, $from: DateTimeISO!, $to: DateTimeISO!, $b: Int!) { telemetry(endpointId: $id, from: $from, to: $to, bucketMinutes: $b) { start } }';
    const backwards = await fx.api.gql(
      q,
      { id: endpoint.id, from: minute(0).toISOString(), to: minute(-1).toISOString(), b: 1 },
      fx.tenant.adminKey,
    );
    assert.equal(backwards.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const tooMany = await fx.api.gql(
      q,
      { id: endpoint.id, from: minute(-3000).toISOString(), to: minute(0).toISOString(), b: 1 },
      fx.tenant.adminKey,
    );
    assert.equal(tooMany.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });
});
