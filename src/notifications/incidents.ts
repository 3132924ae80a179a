import crypto from 'node:crypto';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { EndpointIncident } from '../entities/endpoint-incident.entity';
import type { Endpoint } from '../entities/endpoint.entity';
import { withTenant } from '../tenancy/with-tenant';
import { ConflictError } from '../errors/app-errors';
import { getEndpoint } from '../services/endpoints';
import { minuteFlags } from '../telemetry/sla';
import type { NoticeData } from './notice';

// The manager-taking functions take one from withTenant(): RLS limits it to one tenant.

/** When no model says otherwise, how long a prediction stays worth waiting for. */
const DEFAULT_HORIZON_MINUTES = 15;

/**
 * The endpoint's open incident, opened now if there is none (`silenced` during maintenance). A
 * breach onset marks it as a breach episode.
 */
export async function openIncident(
  manager: EntityManager,
  tenantId: string,
  endpointId: string,
  kind: 'BREACH_PREDICTED' | 'BREACH_STARTED',
  minute: Date,
  silenced = false,
): Promise<EndpointIncident> {
  await manager.query(
    `insert into endpoint_incidents (tenant_id, id, endpoint_id, opened_at, breach_started_at, silenced)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (tenant_id, endpoint_id) where resolved_at is null do nothing`,
    [
      tenantId,
      crypto.randomUUID(),
      endpointId,
      minute,
      kind === 'BREACH_STARTED' ? minute : null,
      silenced,
    ],
  );
  const incident = await manager.findOneByOrFail(EndpointIncident, {
    endpointId,
    resolvedAt: IsNull(),
  });
  if (kind === 'BREACH_STARTED' && !incident.breachStartedAt) {
    incident.breachStartedAt = minute;
    await manager.update(
      EndpointIncident,
      { tenantId, id: incident.id },
      { breachStartedAt: minute },
    );
  }
  return incident;
}

/**
 * Acknowledges the endpoint's open incident: no repeat BREACH_PREDICTED for it. A breach onset
 * and the recovery are still told. CONFLICT when nothing is open.
 */
async function acknowledgeIn(
  manager: EntityManager,
  endpointId: string,
): Promise<EndpointIncident> {
  const endpoint = await getEndpoint(manager, endpointId);
  const incident = await manager.findOneBy(EndpointIncident, {
    endpointId: endpoint.id,
    resolvedAt: IsNull(),
  });
  if (!incident)
    throw new ConflictError(
      `Endpoint ${endpointId} has no open prediction or breach to acknowledge.`,
    );
  if (!incident.acknowledgedAt) {
    incident.acknowledgedAt = new Date();
    await manager.update(
      EndpointIncident,
      { tenantId: incident.tenantId, id: incident.id },
      { acknowledgedAt: incident.acknowledgedAt },
    );
  }
  return incident;
}

export interface IncidentEnd {
  /** BREACH_STARTED: the late announcement of an onset made during maintenance. */
  event: 'RECOVERED' | 'RESOLVED' | 'BREACH_STARTED';
  endpointId: string;
  data: NoticeData;
}

/**
 * Whether an open incident has ended at `now`, and how. A breach episode ends once `windowMinutes`
 * good minutes follow its last breached minute (shorter runs of good minutes are part of the
 * episode: SPEC section 4). An incident that only had predictions ends when no prediction has been
 * above its threshold for a horizon: the predicted breach did not come. Null: still open.
 */
export async function incidentEnd(
  manager: EntityManager,
  incident: EndpointIncident,
  endpoint: Endpoint,
  now: Date,
): Promise<IncidentEnd | null> {
  const base = { endpointId: endpoint.id, incidentId: incident.id };
  if (endpoint.archivedAt) return { event: 'RESOLVED', endpointId: endpoint.id, data: base };
  if (incident.breachStartedAt) {
    const flags = await minuteFlags(
      manager,
      endpoint,
      new Date(incident.breachStartedAt.getTime() - 60_000),
      now,
    );
    let lastBad = flags.length - 1;
    while (lastBad >= 0 && !flags[lastBad]!.breached) lastBad -= 1;
    const goodAfter = flags.length - 1 - lastBad;
    if (goodAfter < endpoint.windowMinutes) return null;
    // No breached minute seen at all (the onset was reported from data since recomputed): the
    // episode ends like any other once enough good minutes followed.
    const end = lastBad >= 0 ? flags[lastBad]!.minute : incident.breachStartedAt;
    return {
      event: 'RECOVERED',
      endpointId: endpoint.id,
      data: {
        ...base,
        minute: flags.at(-1)!.minute.toISOString(),
        episode: {
          start: incident.breachStartedAt.toISOString(),
          end: end.toISOString(),
          breachedMinutes: flags.filter((f) => f.breached).length,
        },
      },
    };
  }
  const [row]: Array<{ last_above: Date | null; horizon: number | null }> = await manager.query(
    `select max(p.minute) filter (where p.above_threshold) as last_above,
            (array_agg(m.horizon_minutes order by p.minute desc))[1] as horizon
       from predictions p join models m on m.id = p.model_id
      where p.endpoint_id = $1 and p.minute >= $2`,
    [endpoint.id, incident.openedAt],
  );
  const horizon = row?.horizon ?? DEFAULT_HORIZON_MINUTES;
  const since = row?.last_above ?? incident.openedAt;
  if (now.getTime() - since.getTime() < horizon * 60_000) return null;
  return { event: 'RESOLVED', endpointId: endpoint.id, data: base };
}

/** An incident opened in silence, now told: later events about it are sent as usual. */
export async function announceIncident(
  manager: EntityManager,
  incident: EndpointIncident,
): Promise<void> {
  await manager.update(
    EndpointIncident,
    { tenantId: incident.tenantId, id: incident.id },
    { silenced: false },
  );
}

/** Closes an incident (once): later events open a new one. */
export async function resolveIncident(
  manager: EntityManager,
  incident: EndpointIncident,
  at: Date,
): Promise<void> {
  await manager.update(
    EndpointIncident,
    { tenantId: incident.tenantId, id: incident.id, resolvedAt: IsNull() },
    { resolvedAt: at },
  );
}

/** acknowledgeIn, in its own tenant transaction (the `acknowledgePrediction` mutation's). */
export function acknowledgeIncident(
  dataSource: DataSource,
  tenantId: string,
  endpointId: string,
): Promise<EndpointIncident> {
  return withTenant(dataSource, tenantId, (m) => acknowledgeIn(m, endpointId));
}
