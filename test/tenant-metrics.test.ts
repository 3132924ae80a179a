import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Endpoint } from '../src/entities/endpoint.entity';
import { slaSummary } from '../src/telemetry/sla';
import { ingestSamples } from '../src/telemetry/ingest-samples';
import { recomputeTouched } from '../src/telemetry/rollups';
import { tenantSlo } from '../src/telemetry/tenant-slo';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { makeTenant } from './helpers/factories';
import { endpointWithHistory } from './helpers/history';

const ANCHOR = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
const minute = (offset: number) => new Date(ANCHOR.getTime() + offset * 60_000);
const SLA = {
  latencyThresholdMs: 300,
  latencyPercentile: 95,
  errorRateThreshold: 0.05,
  windowMinutes: 5,
  availabilityTarget: 0.99,
};
const TRICKY_NAME = 'say "hi" \\ back\nslash';

/** The value of one series line, by its name and the endpoint id (and window), or undefined. */
function seriesValue(
  text: string,
  name: string,
  endpointId: string,
  window?: string,
): number | undefined {
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`${name}{`) &&
        l.includes(`endpoint_id="${endpointId}"`) &&
        (window === undefined || l.includes(`window="${window}"`)),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics/tenant', () => {
  // No reuse of answers here: each scrape must see what the test just stored.
  const fx = useApiFixture({ tenantMetricsCacheSeconds: 0 });
  let endpoint: Endpoint;
  let quiet: Endpoint;
  let scrape: (key?: string) => Promise<{ status: number; body: string; type: string | null }>;

  before(async () => {
    // As in sla-status.test.ts: 14 breached minutes in 61 (a slow run and an error burst).
    endpoint = await endpointWithHistory(fx, {
      sla: SLA,
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
    quiet = await endpointWithHistory(fx, {
      sla: { ...SLA, windowMinutes: 10 },
      anchor: ANCHOR,
      firstMinute: -10,
      sample: () => ({ latencyMs: 50 }),
    });
    await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      m.query('update endpoints set name = $2 where id = $1', [endpoint.id, TRICKY_NAME]),
    );
    scrape = async (key) => {
      const response = await fetch(`${fx.api.url}/metrics/tenant`, {
        headers: key ? { authorization: `Bearer ${key}` } : {},
      });
      return {
        status: response.status,
        body: await response.text(),
        type: response.headers.get('content-type'),
      };
    };
  });

  it('serves the same figures as slaStatus, one set-based pass for every endpoint', async () => {
    const [slos, summary] = await withTenant(fx.db.dataSource, fx.tenant.id, async (m) => [
      await tenantSlo(m, ANCHOR),
      await slaSummary(m, endpoint, ANCHOR),
    ]);
    const mine = slos.find((s) => s.endpointId === endpoint.id)!;
    assert.equal(mine.availability, summary.availability);
    assert.ok(Math.abs(mine.errorBudgetRemaining! - summary.errorBudgetRemaining!) < 1e-12);
    for (const key of ['m5', 'm30', 'h1', 'h6'] as const)
      assert.ok(Math.abs(mine.burnRates[key]! - summary.burnRates[key]!) < 1e-9, key);
    assert.equal(mine.breachedNow, summary.breachedNow);
    const atSlow = (
      await withTenant(fx.db.dataSource, fx.tenant.id, (m) => tenantSlo(m, minute(-28)))
    ).find((s) => s.endpointId === endpoint.id)!;
    assert.equal(atSlow.breachedNow, true);
    const other = slos.find((s) => s.endpointId === quiet.id)!;
    assert.equal(other.availability, 1);
    assert.equal(other.risk, null);
  });

  it('leaves minutes in maintenance out, as slaStatus and the status page do', async () => {
    // The endpoint's own window over the error burst, the tenant's over part of the slow run,
    // overlapping a second endpoint window (merged, not counted twice).
    await ownerQuery(
      fx.db.ownerUrl,
      `insert into maintenance_windows (tenant_id, endpoint_id, starts_at, ends_at)
       values ($1, $2, $3, $4), ($1, null, $5, $6), ($1, $2, $7, $6)`,
      [fx.tenant.id, endpoint.id, minute(-8), minute(-2), minute(-29), minute(-20), minute(-25)],
    );
    try {
      for (const at of [ANCHOR, minute(-28), minute(-24)]) {
        const [slos, summary, quietSummary] = await withTenant(
          fx.db.dataSource,
          fx.tenant.id,
          async (m) => [
            await tenantSlo(m, at),
            await slaSummary(m, endpoint, at),
            await slaSummary(m, quiet, at),
          ],
        );
        const mine = slos.find((s) => s.endpointId === endpoint.id)!;
        assert.equal(mine.availability, summary.availability, at.toISOString());
        for (const key of ['m5', 'm30', 'h1', 'h6'] as const)
          assert.equal(
            mine.burnRates[key],
            summary.burnRates[key],
            `${key} at ${at.toISOString()}`,
          );
        assert.equal(mine.breachedNow, summary.breachedNow, at.toISOString());
        const other = slos.find((s) => s.endpointId === quiet.id)!;
        assert.equal(other.availability, quietSummary.availability);
      }
      const atSlow = (
        await withTenant(fx.db.dataSource, fx.tenant.id, (m) => tenantSlo(m, minute(-28)))
      ).find((s) => s.endpointId === endpoint.id)!;
      assert.equal(atSlow.breachedNow, false, 'in maintenance: not breached');
    } finally {
      await ownerQuery(fx.db.ownerUrl, 'delete from maintenance_windows where tenant_id = $1', [
        fx.tenant.id,
      ]);
    }
  });

  it('counts 30 days from running totals, also when old minutes arrive after newer ones', async () => {
    const old = await endpointWithHistory(fx, {
      sla: SLA,
      anchor: ANCHOR,
      firstMinute: -5,
      sample: () => ({ latencyMs: 50 }),
    });
    // Ten minutes four days ago, all with errors, loaded after the recent ones: the rollup pass
    // must carry the totals forward over the rows already there.
    const day = Math.floor(ANCHOR.getTime() / 86_400_000) * 86_400_000 - 4 * 86_400_000;
    const samples = Array.from({ length: 100 }, (_, i) => ({
      endpointId: old.id,
      observedAt: new Date(day + 12 * 3_600_000 + i * 6000).toISOString(),
      latencyMs: 50,
      statusCode: 503,
      errorKind: 'unexpected_status',
    }));
    const { touched } = await ingestSamples(fx.db.dataSource, fx.tenant.id, 'late', samples, {
      ...fx.api.config.telemetry,
      maxRows: samples.length,
    });
    await recomputeTouched(fx.db.dataSource, fx.tenant.id, touched);
    const slo = (
      await withTenant(fx.db.dataSource, fx.tenant.id, (m) => tenantSlo(m, ANCHOR))
    ).find((s) => s.endpointId === old.id)!;
    assert.equal(slo.availability, 1 - 10 / 16);
    // Only the recent minutes are in the burn windows.
    assert.equal(slo.burnRates.h6, 0);
    // A minute older than 30 days is outside the figure.
    const older = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      tenantSlo(m, new Date(day + 30 * 86_400_000 + 13 * 3_600_000)),
    );
    assert.equal(older.find((s) => s.endpointId === old.id)!.availability, 1);
  });

  it('answers the Prometheus text format with escaped names to a read key', async () => {
    const { status, body, type } = await scrape(await fx.tenant.key('read'));
    assert.equal(status, 200);
    assert.match(type ?? '', /^text\/plain;.*version=0\.0\.4/);
    assert.match(body, /# TYPE sentinel_slo_availability_ratio gauge/);
    assert.equal(seriesValue(body, 'sentinel_slo_availability_ratio', endpoint.id), 1 - 14 / 61);
    assert.equal(seriesValue(body, 'sentinel_endpoint_breached', quiet.id), 0);
    assert.ok(seriesValue(body, 'sentinel_slo_burn_rate', endpoint.id, '6h')! > 0);
    for (const w of ['5m', '30m', '1h', '6h'])
      assert.notEqual(seriesValue(body, 'sentinel_slo_burn_rate', quiet.id, w), undefined, w);
    // Quotes, backslashes and newlines escaped as the exposition format says.
    assert.ok(
      body.includes(`endpoint_id="${endpoint.id}",endpoint="say \\"hi\\" \\\\ back\\nslash"`),
      body.split('\n').find((l) => l.includes(endpoint.id)),
    );
    assert.equal(seriesValue(body, 'sentinel_breach_risk', endpoint.id), undefined);
    const admin = await scrape(fx.tenant.adminKey);
    assert.equal(admin.status, 200);
  });

  it('exports the breach risk and its threshold once a model serves the endpoint', async () => {
    const [model] = await ownerQuery<{ id: string }>(
      fx.db.ownerUrl,
      `insert into models (tenant_id, version, status, horizon_minutes, feature_names, normalization, hidden_units,
         threshold, training_from, training_to, evaluation, topology, weight_specs, weights, artifact_sha256)
       values ($1, 1, 'ACTIVE', 15, '{}', '{}', '{8}', 0.4, now() - interval '1 day', now(), '{}', '{}', '[]', '', repeat('0', 64))
       returning id`,
      [fx.tenant.id],
    );
    await ownerQuery(
      fx.db.ownerUrl,
      `insert into predictions (tenant_id, endpoint_id, minute, model_id, probability, above_threshold, top_features)
       values ($1, $2, date_trunc('minute', now()) - interval '2 minutes', $3, 0.25, false, '[]'),
              ($1, $2, date_trunc('minute', now()) - interval '1 minute', $3, 0.625, true, '[]'),
              ($1, $4, date_trunc('minute', now()) - interval '3 hours', $3, 0.9, true, '[]')`,
      [fx.tenant.id, endpoint.id, model!.id, quiet.id],
    );
    const { body } = await scrape(await fx.tenant.key('read'));
    assert.equal(seriesValue(body, 'sentinel_breach_risk', endpoint.id), 0.625);
    assert.equal(seriesValue(body, 'sentinel_breach_risk_threshold', endpoint.id), 0.4);
    // A stale prediction is no current risk.
    assert.equal(seriesValue(body, 'sentinel_breach_risk', quiet.id), undefined);
  });

  it('refuses no key (401), an ingest key (403, naming the scope) and a platform key', async () => {
    const none = await scrape();
    assert.equal(none.status, 401);
    assert.doesNotMatch(none.body, /sentinel_/);
    const ingest = await scrape(await fx.tenant.key('ingest'));
    assert.equal(ingest.status, 403);
    assert.match(ingest.body, /FORBIDDEN: .*read scope/);
    const bogus = await scrape('sk_not_a_real_key');
    assert.equal(bogus.status, 401);
  });

  it("never shows another tenant's series, whatever the attacker tries", async () => {
    const attacker = await makeTenant(fx.db.dataSource, 'attacker');
    const mine = await scrape(await attacker.key('read'));
    assert.equal(mine.status, 200);
    assert.ok(!mine.body.includes(endpoint.id));
    assert.ok(!mine.body.includes('back\\nslash'));
    assert.doesNotMatch(mine.body, /^sentinel_slo_availability_ratio\{/m);
    // Query strings and extra headers change nothing: the key alone picks the tenant.
    const response = await fetch(
      `${fx.api.url}/metrics/tenant?tenant=${fx.tenant.slug}&tenant_id=${fx.tenant.id}`,
      {
        headers: {
          authorization: `Bearer ${await attacker.key('read')}`,
          'x-tenant-id': fx.tenant.id,
        },
      },
    );
    assert.ok(!(await response.text()).includes(endpoint.id));
  });
});
