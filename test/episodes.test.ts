import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Endpoint } from '../src/entities/endpoint.entity';
import { featureRows, type FeatureRow } from '../src/ml/features';
import { breachEpisodes, currentWindow } from '../src/telemetry/sla';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { endpointWithHistory } from './helpers/history';

const ANCHOR = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
const minute = (offset: number) => new Date(ANCHOR.getTime() + offset * 60_000);
const offset = (d: Date) => (d.getTime() - ANCHOR.getTime()) / 60_000;
const SLA = {
  latencyThresholdMs: 200,
  latencyPercentile: 95,
  errorRateThreshold: 0.2,
  windowMinutes: 5,
  availabilityTarget: 0.99,
};

describe('breach episodes and the SLA latency percentile (SPEC section 4)', () => {
  const fx = useApiFixture();
  let flapping: Endpoint;
  let timeouts: Endpoint;
  let rows: FeatureRow[];

  before(async () => {
    // One slow minute breaches the 5-minute window for 5 minutes. Slow at -40 and -32 (3 good
    // minutes between the runs: one episode), and at -15 (10 good minutes later: a new one).
    flapping = await endpointWithHistory(fx, {
      sla: SLA,
      anchor: ANCHOR,
      firstMinute: -90,
      sample: (m) => ({ latencyMs: [-40, -32, -15].includes(m) ? 500 : 100 }),
    });
    // One sample in ten is a 10 s timeout over minutes -20..-16: a 10% error rate (under 20%).
    timeouts = await endpointWithHistory(fx, {
      sla: SLA,
      anchor: ANCHOR,
      firstMinute: -60,
      sample: (m, i) =>
        m >= -20 && m <= -16 && i === 0
          ? { latencyMs: 10_000, statusCode: null, errorKind: 'timeout' }
          : { latencyMs: 100 },
    });
    rows = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      featureRows(m, flapping, minute(-80), minute(-5), 15),
    );
  });

  it('merges runs separated by fewer than windowMinutes good minutes into one episode', async () => {
    const episodes = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      breachEpisodes(m, flapping, minute(-90), ANCHOR),
    );
    assert.deepEqual(
      episodes.map((e) => [offset(e.start), offset(e.end), e.minutes]),
      [
        [-40, -28, 10],
        [-15, -11, 5],
      ],
    );
  });

  it('has one onset per episode; minutes inside an episode are flagged and carry no label', () => {
    assert.deepEqual(
      rows.filter((r) => r.onset).map((r) => offset(r.minute)),
      [-40, -15],
    );
    const at = (o: number) => rows.find((r) => offset(r.minute) === o)!;
    assert.equal(at(-32).breached, true);
    assert.equal(at(-32).onset, false, 'a flap inside an episode is not a new onset');
    assert.ok([-40, -34, -32, -28, -24].every((o) => at(o).inEpisode));
    assert.ok([-41, -23, -16].every((o) => !at(o).inEpisode));
    const positives = rows
      .filter((r) => r.label === 1 && !r.inEpisode)
      .map((r) => offset(r.minute));
    assert.deepEqual(positives, [
      ...Array.from({ length: 15 }, (_, i) => -55 + i),
      ...Array.from({ length: 8 }, (_, i) => -23 + i),
    ]);
  });

  it('counts an errored sample through the error rate only, never as a slow one', async () => {
    const [episodes, window, [rollup]] = await withTenant(
      fx.db.dataSource,
      fx.tenant.id,
      async (m) =>
        [
          await breachEpisodes(m, timeouts, minute(-60), ANCHOR),
          await currentWindow(m, timeouts, minute(-16)),
          (await m.query(
            'select slow_count, latency_p95 from rollups_minute where endpoint_id = $1 and minute = $2',
            [timeouts.id, minute(-18)],
          )) as Array<{ slow_count: number; latency_p95: number }>,
        ] as const,
    );
    assert.deepEqual(episodes, [], '10% errors under a 20% threshold is no breach');
    assert.equal(window.errorRate, 0.1);
    assert.equal(window.slowFraction, 0);
    assert.deepEqual(rollup, { slow_count: 0, latency_p95: 100 });
  });
});
