import type { DataSource, EntityManager } from 'typeorm';
import { nextArm, REARM_FRACTION } from '../ml/alert-rule';
import type { Model } from '../entities/model.entity';
import { GLOBAL_SCOPE_ID } from '../entities/tenant.entity';
import { onsetsBetween } from '../telemetry/onsets';
import { withTenant } from '../tenancy/with-tenant';
import { servingGuard, type GuardVerdict } from './serving-guard';

/**
 * Alerts are episodes: the hysteresis (src/ml/alert-rule.ts, shared with the evaluation that picks
 * the threshold) fires BREACH_PREDICTED once per rise. Inside an episode nothing is predicted: the
 * breach is there. BREACH_STARTED fires for every onset since the last one reported, however late
 * scoring runs (not only at the newest scored minute).
 */
export { nextArm, REARM_FRACTION, type ArmState } from '../ml/alert-rule';

/** Onsets further back than this are not reported any more (a worker down for a day). */
const MAX_ONSET_LAG_MINUTES = 24 * 60;

export interface ScoredMinute {
  endpointId: string;
  minute: Date;
  /** Null: not enough data this minute to forecast. */
  probability: number | null;
  inEpisode: boolean;
  burnAlert: boolean;
}

/** No model serves the tenant yet (no model of its own, no global one): the burn-rate alert pages. */
const NO_MODEL: GuardVerdict = {
  alerting: 'BURN_RATE',
  falseAlertsPerEndpointDay: null,
  budget: 1,
  why: 'no model serves this tenant yet: the burn-rate alert pages',
};

/** What a burn-rate alert is judged against when no model gives a horizon (the default one). */
const BURN_ALERT_HORIZON_MINUTES = 15;

/** Nothing scored this round: nothing to judge. */
const NOT_JUDGED: GuardVerdict = {
  alerting: 'MODEL',
  falseAlertsPerEndpointDay: null,
  budget: 1,
  why: 'no endpoint scored this round',
};

export interface AlertOutcome {
  /** BREACH_PREDICTED to deliver, from the model or (guard) the burn-rate alert. */
  predicted: Array<{ endpointId: string; minute: Date; source: 'MODEL' | 'BURN_RATE' }>;
  /** BREACH_STARTED to deliver: every onset since the last reported. */
  started: Array<{ endpointId: string; minute: Date }>;
  guard: GuardVerdict;
}

/**
 * One round of alert decisions for a tenant's scored endpoints, in one transaction: updates each
 * endpoint's alert state, logs alerts and onsets, and says what to deliver. `entry` null: no model
 * serves the tenant; onsets and the burn-rate alert are still decided (probabilities are null).
 */
export async function decideAlerts(
  dataSource: DataSource,
  tenantId: string,
  entry: Model | null,
  scored: ScoredMinute[],
  now = new Date(),
): Promise<AlertOutcome> {
  return withTenant(dataSource, tenantId, (manager) =>
    decideInTransaction(manager, tenantId, entry, scored, now),
  );
}

async function decideInTransaction(
  manager: EntityManager,
  tenantId: string,
  entry: Model | null,
  scored: ScoredMinute[],
  now = new Date(),
): Promise<AlertOutcome> {
  if (scored.length === 0) return { predicted: [], started: [], guard: NOT_JUDGED };
  const guard = entry
    ? await servingGuard(manager, tenantId, entry.tenantId === GLOBAL_SCOPE_ID, now)
    : NO_MODEL;
  const horizonMinutes = entry?.horizonMinutes ?? BURN_ALERT_HORIZON_MINUTES;
  const outcome: AlertOutcome = { predicted: [], started: [], guard };
  const states: Array<{
    endpoint_id: string;
    armed: boolean;
    burn_armed: boolean;
    onsets_checked_to: Date | null;
  }> = await manager.query(
    'select endpoint_id, armed, burn_armed, onsets_checked_to from alert_state where endpoint_id = any($1)',
    [scored.map((s) => s.endpointId)],
  );
  const byEndpoint = new Map(states.map((s) => [s.endpoint_id, s]));
  // Every onset since the last one reported (at most a day back), for all endpoints in one read
  // of the onset flags the rollups keep (migrations/0014): not a window query per endpoint.
  const checkedTo = new Map(
    scored.map((s) => {
      const state = byEndpoint.get(s.endpointId);
      const from = Math.max(
        state?.onsets_checked_to?.getTime() ?? s.minute.getTime() - 15 * 60_000,
        s.minute.getTime() - MAX_ONSET_LAG_MINUTES * 60_000,
      );
      return [s.endpointId, new Date(from)];
    }),
  );
  const onsets = await onsetsBetween(
    manager,
    scored.map((s) => ({
      endpointId: s.endpointId,
      after: checkedTo.get(s.endpointId)!,
      upTo: s.minute,
    })),
  );
  const next: Array<{ endpointId: string; armed: boolean; burnArmed: boolean; checked: Date }> = [];
  for (const s of scored) {
    const state = byEndpoint.get(s.endpointId);
    // The model's own alert is decided (and logged) whoever pages: the guard watches it.
    const threshold = entry?.threshold ?? Infinity;
    const model = nextArm(
      state?.armed ?? true,
      s.probability !== null && s.probability >= threshold,
      s.probability !== null && s.probability < threshold * REARM_FRACTION,
      s.inEpisode,
    );
    const burn = nextArm(state?.burn_armed ?? true, s.burnAlert, !s.burnAlert, s.inEpisode);
    if (model.fire) {
      await logAlert(
        manager,
        s.endpointId,
        s.minute,
        'PREDICTED',
        'MODEL',
        guard.alerting === 'MODEL',
        horizonMinutes,
      );
      if (guard.alerting === 'MODEL')
        outcome.predicted.push({ endpointId: s.endpointId, minute: s.minute, source: 'MODEL' });
    }
    if (burn.fire && guard.alerting === 'BURN_RATE') {
      await logAlert(
        manager,
        s.endpointId,
        s.minute,
        'PREDICTED',
        'BURN_RATE',
        true,
        horizonMinutes,
      );
      outcome.predicted.push({ endpointId: s.endpointId, minute: s.minute, source: 'BURN_RATE' });
    }
    for (const minute of onsets.get(s.endpointId) ?? []) {
      await logAlert(manager, s.endpointId, minute, 'ONSET', 'SLA', true, 0);
      outcome.started.push({ endpointId: s.endpointId, minute });
    }
    const from = checkedTo.get(s.endpointId)!;
    next.push({
      endpointId: s.endpointId,
      armed: model.armed,
      burnArmed: burn.armed,
      checked: from < s.minute ? s.minute : from,
    });
  }
  await manager.query(
    `insert into alert_state (tenant_id, endpoint_id, armed, burn_armed, onsets_checked_to, updated_at)
     select $1, u.endpoint_id, u.armed, u.burn_armed, u.checked, now()
       from unnest($2::uuid[], $3::boolean[], $4::boolean[], $5::timestamptz[]) as u(endpoint_id, armed, burn_armed, checked)
     on conflict (tenant_id, endpoint_id) do update
       set armed = excluded.armed, burn_armed = excluded.burn_armed,
           onsets_checked_to = excluded.onsets_checked_to, updated_at = now()`,
    [
      tenantId,
      next.map((n) => n.endpointId),
      next.map((n) => n.armed),
      next.map((n) => n.burnArmed),
      next.map((n) => n.checked),
    ],
  );
  return outcome;
}

async function logAlert(
  manager: EntityManager,
  endpointId: string,
  minute: Date,
  kind: 'PREDICTED' | 'ONSET',
  source: 'MODEL' | 'BURN_RATE' | 'SLA',
  delivered: boolean,
  horizonMinutes: number,
): Promise<void> {
  await manager.query(
    `insert into alert_log (tenant_id, endpoint_id, minute, kind, source, horizon_minutes, delivered)
     values (current_tenant_id(), $1, $2, $3, $4, $5, $6) on conflict do nothing`,
    [endpointId, minute, kind, source, horizonMinutes, delivered],
  );
}
