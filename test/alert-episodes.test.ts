import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Endpoint } from '../src/entities/endpoint.entity';
import type { Model } from '../src/entities/model.entity';
import { GLOBAL_SCOPE_ID } from '../src/entities/tenant.entity';
import { decideAlerts } from '../src/scoring/alert-state';
import { servingGuard } from '../src/scoring/serving-guard';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { endpointWithHistory } from './helpers/history';

const ANCHOR = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
const minute = (offset: number) => new Date(ANCHOR.getTime() + offset * 60_000);
const SLA = {
  latencyThresholdMs: 200,
  latencyPercentile: 95,
  errorRateThreshold: 0.2,
  windowMinutes: 5,
  availabilityTarget: 0.99,
};

describe('alerts as episodes, and the serving guard', () => {
  const fx = useApiFixture();
  let endpoint: Endpoint;
  const model = (tenantId: string) =>
    ({ id: 'm', tenantId, threshold: 0.5, horizonMinutes: 15 }) as Model;

  before(async () => {
    // Slow at -12 (breached -12..-8) and at -2 (breached -2..0, after 5 good minutes): two onsets.
    endpoint = await endpointWithHistory(fx, {
      sla: SLA,
      anchor: ANCHOR,
      firstMinute: -120,
      sample: (m) => ({ latencyMs: m === -12 || m === -2 ? 500 : 100 }),
    });
  });

  it('reports every onset since the last one reported, not only one at the newest minute', async () => {
    const scored = {
      endpointId: endpoint.id,
      probability: 0.1,
      inEpisode: true,
      burnAlert: false,
    };
    // The first round of this endpoint scores minute -20 (nothing yet); scoring then lags and the
    // next round scores minute 0: both onsets between are reported, once.
    const early = await decideAlerts(fx.db.dataSource, fx.tenant.id, model(fx.tenant.id), [
      { ...scored, minute: minute(-20), inEpisode: false },
    ]);
    assert.deepEqual(early.started, []);
    const late = await decideAlerts(fx.db.dataSource, fx.tenant.id, model(fx.tenant.id), [
      { ...scored, minute: minute(0) },
    ]);
    assert.deepEqual(
      late.started.map((s) => s.minute.getTime()),
      [minute(-12).getTime(), minute(-2).getTime()],
    );
    const again = await decideAlerts(fx.db.dataSource, fx.tenant.id, model(fx.tenant.id), [
      { ...scored, minute: minute(0) },
    ]);
    assert.deepEqual(again.started, [], 'an onset is reported once');
  });

  it('stops the model alerting when its live false alerts exceed the budget; the burn-rate alert takes over', async () => {
    const guard = () =>
      withTenant(fx.db.dataSource, fx.tenant.id, (m) => servingGuard(m, fx.tenant.id, false));
    assert.equal((await guard()).alerting, 'MODEL');
    // Three model alerts in the last day, none followed by an onset: 3 per endpoint-day > 1.
    for (const offset of [-600, -500, -400])
      await ownerQuery(
        fx.db.ownerUrl,
        `insert into alert_log (tenant_id, endpoint_id, minute, kind, source, horizon_minutes, delivered)
         values ($1, $2, $3, 'PREDICTED', 'MODEL', 15, true)`,
        [fx.tenant.id, endpoint.id, minute(offset)],
      );
    const verdict = await guard();
    assert.equal(verdict.alerting, 'BURN_RATE');
    assert.equal(verdict.falseAlertsPerEndpointDay, 3);
    assert.match(verdict.why, /over the budget of 1/);
    const round = await decideAlerts(fx.db.dataSource, fx.tenant.id, model(fx.tenant.id), [
      {
        endpointId: endpoint.id,
        minute: minute(0),
        probability: 0.9,
        inEpisode: false,
        burnAlert: true,
      },
    ]);
    assert.deepEqual(
      round.predicted.map((p) => p.source),
      ['BURN_RATE'],
      'the model still scores, but the burn-rate alert pages',
    );
    // A wider budget (setForecastSettings) lets the model page again.
    await ownerQuery(fx.db.ownerUrl, 'update tenants set false_alert_budget = 5 where id = $1', [
      fx.tenant.id,
    ]);
    assert.equal((await guard()).alerting, 'MODEL');
  });

  it('lets the global model page a new tenant only after a full day of its own data', async () => {
    const verdict = await withTenant(fx.db.dataSource, fx.tenant.id, (m) =>
      servingGuard(m, fx.tenant.id, true),
    );
    assert.equal(verdict.alerting, 'BURN_RATE');
    assert.match(verdict.why, /global model scores from the first hour/);
    assert.notEqual(GLOBAL_SCOPE_ID, fx.tenant.id);
  });
});
