import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Endpoint } from '../src/entities/endpoint.entity';
import { FEATURE_NAMES, featureRows, type FeatureRow } from '../src/ml/features';
import { latestFeatureRows } from '../src/ml/latest-features';
import {
  createEndpoint,
  updateEndpoint,
  type EndpointSla,
  type NewEndpoint,
} from '../src/services/endpoints';
import { ingestSamples } from '../src/telemetry/ingest-samples';
import { ensureRollupState, refreshRollupState } from '../src/telemetry/rollup-state';
import { recomputeTouched } from '../src/telemetry/rollups';
import type { RawSample } from '../src/telemetry/sample';
import { withTenant } from '../src/tenancy/with-tenant';
import { createTestDatabase, ownerQuery, type TestDatabase } from './helpers/database';
import { makeTenant, type TestTenant } from './helpers/factories';

/**
 * The incremental state on rollup rows (migrations/0014) must give exactly the features the batch
 * window functions give (src/ml/features.ts), whatever order the data arrived in: every feature
 * of every compared minute, and the breach, onset, episode, burn-rate and sufficiency flags.
 */

const ANCHOR = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
const at = (offset: number) => new Date(ANCHOR.getTime() + offset * 60_000);
const FIRST = -4 * 1440 - 200; // four days and a bit: the usual level reads three days back
const SLA: EndpointSla = {
  latencyThresholdMs: 200,
  latencyPercentile: 95,
  errorRateThreshold: 0.05,
  windowMinutes: 5,
  availabilityTarget: 0.99,
};

/** A passive endpoint (no probes) under SLA; its data comes from ingested samples only. */
function passiveEndpoint(name: string): NewEndpoint {
  return {
    name,
    url: `https://example.com/${encodeURIComponent(name)}`,
    method: 'GET',
    expectedStatusCodes: [200],
    probeEnabled: false,
    public: false,
    probeIntervalSeconds: 60,
    timeoutMs: 1000,
    sla: SLA,
  };
}

/** A deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Minutes FIRST..0 of an endpoint with: varying traffic, gaps (single minutes and a two-hour
 * hole), minutes where every sample failed (no p95), slow spells and error bursts of every kind,
 * and near the end flapping breaches (some within windowMinutes of each other: one episode).
 */
function history(endpointId: string, seed: number): Array<{ minute: number; sample: RawSample }> {
  const rnd = random(seed);
  const rows: Array<{ minute: number; sample: RawSample }> = [];
  const kinds = ['timeout', 'connection', 'tls', 'dns', 'unexpected_status'];
  for (let m = FIRST; m <= 0; m++) {
    if (rnd() < 0.03 || (m > -3000 && m <= -2880)) continue;
    const count = 1 + Math.floor(rnd() * 6);
    const hour = Math.floor((((m % 1440) + 1440) % 1440) / 60);
    const slow = (m % 700 > 640 && m % 700 < 660) || (m > -120 && m % 17 < 3);
    const burst = m % 900 > 880 || (m > -60 && m % 11 < 2);
    const allFail = rnd() < 0.01;
    for (let i = 0; i < count; i++) {
      const failed = allFail || (burst && rnd() < 0.5) || rnd() < 0.01;
      const kind = failed ? kinds[Math.floor(rnd() * kinds.length)]! : null;
      rows.push({
        minute: m,
        sample: {
          endpointId,
          observedAt: new Date(at(m).getTime() + i * 7000).toISOString(),
          latencyMs: (slow ? 260 : 80 + hour * 3) + rnd() * 60,
          statusCode: kind === 'unexpected_status' ? 503 : kind ? null : 200,
          errorKind: kind,
        },
      });
    }
  }
  return rows;
}

function assertSameRow(incremental: FeatureRow, batch: FeatureRow, what: string): void {
  for (const [i, name] of FEATURE_NAMES.entries()) {
    const a = incremental.features[i]!;
    const b = batch.features[i]!;
    assert.ok(
      Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)),
      `${what}: ${name} is ${a} incrementally and ${b} in batch`,
    );
  }
  for (const flag of ['breached', 'onset', 'inEpisode', 'burnAlert', 'insufficient'] as const) {
    assert.equal(incremental[flag], batch[flag], `${what}: ${flag}`);
  }
  // Flags are never SQL nulls (a null in_episode once broke the global aggregate's insert).
  for (const flag of ['breached', 'onset', 'inEpisode', 'burnAlert'] as const) {
    assert.equal(typeof batch[flag], 'boolean', `${what}: ${flag} is ${batch[flag]} in batch`);
  }
}

describe('incremental rollup state', () => {
  let db: TestDatabase;
  let tenant: TestTenant;
  let endpoint: Endpoint;

  const withT = <T>(fn: Parameters<typeof withTenant<T>>[2]) =>
    withTenant(db.dataSource, tenant.id, fn);

  async function load(samples: Array<{ minute: number; sample: RawSample }>, batch: string) {
    const { touched } = await ingestSamples(
      db.dataSource,
      tenant.id,
      batch,
      samples.map((s) => s.sample),
      { retentionDays: 30, futureSkewSeconds: 300, maxRows: samples.length },
    );
    await recomputeTouched(db.dataSource, tenant.id, touched);
  }

  /** Every minute of the last `minutes` that has a rollup, batch against incremental. */
  async function compareLast(minutes: number, stride = 1): Promise<number> {
    const batch = await withT((m) => featureRows(m, endpoint, at(-minutes), at(0), 15));
    let compared = 0;
    for (const [k, row] of batch.entries()) {
      if (k % stride !== 0) continue;
      const latest = await withT((m) => latestFeatureRows(m, [endpoint.id], row.minute, 1));
      const incremental = latest.get(endpoint.id);
      assert.ok(incremental, `no incremental row at ${row.minute.toISOString()}`);
      assert.equal(incremental.minute.getTime(), row.minute.getTime());
      assertSameRow(incremental, row, row.minute.toISOString());
      compared++;
    }
    return compared;
  }

  before(async () => {
    db = await createTestDatabase();
    tenant = await makeTenant(db.dataSource);
    endpoint = await withT((m) => createEndpoint(m, tenant.id, passiveEndpoint('state')));
    // Out of order, as late and imported data arrives: the newest day, then the oldest part,
    // then the middle. Each rollup pass must carry the state forward over rows already there.
    const rows = history(endpoint.id, 7);
    await load(
      rows.filter((r) => r.minute > -1440),
      'newest',
    );
    await load(
      rows.filter((r) => r.minute <= -3000),
      'oldest',
    );
    await load(
      rows.filter((r) => r.minute > -3000 && r.minute <= -1440),
      'middle',
    );
  });
  after(async () => db?.drop());

  it('gives the batch features for every minute of the last five hours and across the day', async () => {
    const flags = await withT((m) => featureRows(m, endpoint, at(-300), at(0), 15));
    // The data must exercise what is compared: breaches, onsets within and between episodes.
    assert.ok(flags.filter((r) => r.onset).length >= 3, 'several onsets in the compared range');
    assert.ok(
      flags.some((r) => r.inEpisode && !r.breached),
      'a good minute inside an episode',
    );
    assert.ok(
      flags.some((r) => r.burnAlert),
      'the burn-rate alert fires',
    );
    assert.ok(await compareLast(300), 'minutes compared');
    assert.ok((await compareLast(1440, 7)) > 150);
  });

  it('matches again after an SLA change redoes the breach flags over the whole history', async () => {
    endpoint = await withT(
      async (m) =>
        (
          await updateEndpoint(m, endpoint.id, {
            sla: { ...SLA, windowMinutes: 12, errorRateThreshold: 0.02 },
          })
        ).endpoint,
    );
    assert.ok((await compareLast(240, 3)) > 60);
  });

  it('repairs rows written without state before they are read', async () => {
    await ownerQuery(
      db.ownerUrl,
      `update rollups_minute set run_rows = null, run_n = null, breached = null
        where endpoint_id = $1 and minute > $2`,
      [endpoint.id, at(-500)],
    );
    await withT((m) => ensureRollupState(m, [endpoint.id]));
    const [left] = await ownerQuery<{ stale: number }>(
      db.ownerUrl,
      'select count(*)::int as stale from rollups_minute where endpoint_id = $1 and run_rows is null',
      [endpoint.id],
    );
    assert.equal(left?.stale, 0);
    assert.ok((await compareLast(120, 2)) > 40);
  });

  it('keeps the state exact when two passes over one endpoint race', async () => {
    const before = await ownerQuery(
      db.ownerUrl,
      'select minute, run_n, run_p95::text, run_breached, prev_breach_rows from rollups_minute where endpoint_id = $1 order by minute',
      [endpoint.id],
    );
    const range = (from: number, to: number) => ({
      endpointId: endpoint.id,
      from: at(from),
      to: at(to),
    });
    // Overlapping recomputes at once: each waits for the other's lock, neither deadlocks.
    await Promise.all([
      recomputeTouched(db.dataSource, tenant.id, [range(-900, -800), range(-100, 0)]),
      recomputeTouched(db.dataSource, tenant.id, [range(-850, -10)]),
      recomputeTouched(db.dataSource, tenant.id, [range(-5, 0), range(-1000, -990)]),
    ]);
    const afterRace = await ownerQuery(
      db.ownerUrl,
      'select minute, run_n, run_p95::text, run_breached, prev_breach_rows from rollups_minute where endpoint_id = $1 order by minute',
      [endpoint.id],
    );
    assert.deepEqual(afterRace, before);
  });

  it('recomputes a batch touching more endpoints than one transaction takes locks for', async () => {
    // 120 endpoints: three transactions of at most 50 endpoint locks each (src/telemetry/rollups.ts).
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      const created = await withT((m) =>
        createEndpoint(m, tenant.id, passiveEndpoint(`many ${i}`)),
      );
      ids.push(created.id);
    }
    const samples = ids.flatMap((endpointId) =>
      [-2, -1, 0].map((m) => ({
        minute: m,
        sample: { endpointId, observedAt: at(m).toISOString(), latencyMs: 100, statusCode: 200 },
      })),
    );
    await load(samples, 'many');
    const rows = await ownerQuery<{ endpoint_id: string; run_rows: string }>(
      db.ownerUrl,
      'select endpoint_id, run_rows from rollups_minute where endpoint_id = any($1) and minute = $2',
      [ids, at(0)],
    );
    assert.equal(rows.length, 120);
    assert.ok(rows.every((r) => r.run_rows === '3'));
  });

  it("cannot touch another tenant's rows through refresh_rollup_state", async () => {
    const other = await makeTenant(db.dataSource, 'attacker');
    const count = () =>
      ownerQuery<{ n: number }>(
        db.ownerUrl,
        'select count(*)::int as n from rollups_minute where endpoint_id = $1 and run_rows is not null',
        [endpoint.id],
      );
    const withState = await count();
    const [result] = await withTenant(db.dataSource, other.id, (m) =>
      m.query('select refresh_rollup_state($1, $2::timestamptz) as rows', [
        endpoint.id,
        '-infinity',
      ]),
    );
    assert.equal(result.rows, 0);
    // And it finds no rows to null out or rewrite: the victim's state is unchanged.
    await withTenant(db.dataSource, other.id, (m) =>
      refreshRollupState(m, endpoint.id, '-infinity'),
    );
    assert.deepEqual(await count(), withState);
  });
});
