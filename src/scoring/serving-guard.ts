import type { EntityManager } from 'typeorm';

/**
 * The serving guard: the served model's live alerts are watched, and when a tenant's endpoints see
 * more false alerts than its budget (per endpoint-day) over the last day, the model stops alerting
 * for the tenant (it still scores, and its would-be alerts are still logged, so it can earn its
 * way back) and the burn-rate alert takes over. A tenant served by the global model gets the
 * global model's alerts only once that model has passed the budget on a full first day of the
 * tenant's own data; the burn-rate alert until then.
 */
export interface GuardVerdict {
  /** Which alert pages the tenant now. */
  alerting: 'MODEL' | 'BURN_RATE';
  /** The model's false alerts per endpoint-day over the last day (null: less than a day). */
  falseAlertsPerEndpointDay: number | null;
  budget: number;
  why: string;
}

const DAY_MS = 86_400_000;

export async function servingGuard(
  manager: EntityManager,
  tenantId: string,
  servedByGlobal: boolean,
  now = new Date(),
): Promise<GuardVerdict> {
  const [row]: Array<{
    budget: number;
    endpoints: number;
    false_alerts: number;
    first_prediction: Date | null;
  }> = await manager.query(
    `select t.false_alert_budget as budget,
            (select count(*) from endpoints e where e.archived_at is null)::int as endpoints,
            (select min(minute) from predictions) as first_prediction,
            (select count(*) from alert_log a
              where a.kind = 'PREDICTED' and a.source = 'MODEL'
                and a.minute > $2::timestamptz - interval '1 day' and a.minute <= $2::timestamptz - make_interval(mins => a.horizon_minutes)
                and not exists (select 1 from alert_log o
                                 where o.endpoint_id = a.endpoint_id and o.kind = 'ONSET'
                                   and o.minute > a.minute and o.minute <= a.minute + make_interval(mins => a.horizon_minutes)))::int as false_alerts
       from tenants t where t.id = $1`,
    [tenantId, now],
  );
  const budget = row?.budget ?? 1;
  const perDay = row && row.endpoints > 0 ? row.false_alerts / row.endpoints : 0;
  const fullDay =
    row?.first_prediction != null && row.first_prediction.getTime() <= now.getTime() - DAY_MS;
  if (perDay > budget)
    return {
      alerting: 'BURN_RATE',
      falseAlertsPerEndpointDay: perDay,
      budget,
      why: `the model raised ${perDay.toFixed(2)} false alerts per endpoint-day over the last day, over the budget of ${budget}: it still scores, and the burn-rate alert pages instead`,
    };
  if (servedByGlobal && !fullDay)
    return {
      alerting: 'BURN_RATE',
      falseAlertsPerEndpointDay: null,
      budget,
      why: "the global model scores from the first hour; it alerts once it has stayed within the false-alert budget on a full day of this tenant's data (the burn-rate alert pages until then)",
    };
  return {
    alerting: 'MODEL',
    falseAlertsPerEndpointDay: fullDay ? perDay : null,
    budget,
    why: `the model alerts: ${perDay.toFixed(2)} false alerts per endpoint-day over the last day, within the budget of ${budget}`,
  };
}
