import type { EntityManager } from 'typeorm';
import { Endpoint } from '../entities/endpoint.entity';
import { Tenant, TENANT0_ID } from '../entities/tenant.entity';
import { isUuid } from '../services/ids';
import { openIncident } from './incidents';
import { inMaintenance } from './maintenance';
import type { DeliveryEvent, NoticeData, NoticeEndpoint } from './notice';

export function noticeEndpoint(endpoint: Endpoint): NoticeEndpoint {
  return {
    id: endpoint.id,
    name: endpoint.name,
    sla: {
      latencyThresholdMs: endpoint.latencyThresholdMs,
      latencyPercentile: endpoint.latencyPercentile,
      errorRateThreshold: endpoint.errorRateThreshold,
      windowMinutes: endpoint.windowMinutes,
      availabilityTarget: endpoint.availabilityTarget,
    },
  };
}

/**
 * Turns an event about an endpoint into what is delivered, or null when nothing may be sent:
 * the endpoint is in maintenance, or (for a prediction) its incident was acknowledged. Names the
 * endpoint and its SLA, the incident (PagerDuty's dedup key) and the status page when public.
 * Payloads without an endpoint id pass through unchanged.
 */
export async function prepareNotice(
  manager: EntityManager,
  tenantId: string,
  event: DeliveryEvent,
  payload: NoticeData,
  now: Date,
): Promise<NoticeData | null> {
  const endpointId = payload.endpointId;
  if (typeof endpointId !== 'string') return payload;
  const endpoint = isUuid(endpointId)
    ? await manager.findOneBy(Endpoint, { id: endpointId })
    : null;
  if (!endpoint) return null;
  const data: NoticeData = { ...payload, endpoint: noticeEndpoint(endpoint) };
  // The incident watch holds endings back until maintenance is over, so those are never dropped.
  if (event === 'BREACH_PREDICTED' || event === 'BREACH_STARTED') {
    const minute = typeof payload.minute === 'string' ? new Date(payload.minute) : now;
    if ((await inMaintenance(manager, [endpoint.id], now)).has(endpoint.id)) {
      // Nothing is sent. An onset is remembered (silenced), so that a breach outlasting the
      // window is announced when it ends (src/jobs/incident-jobs.ts).
      if (event === 'BREACH_STARTED')
        await openIncident(manager, tenantId, endpoint.id, event, minute, true);
      return null;
    }
    const incident = await openIncident(manager, tenantId, endpoint.id, event, minute);
    if (event === 'BREACH_PREDICTED' && incident.acknowledgedAt) return null;
    data.incidentId = incident.id;
  }
  const tenant = await manager.findOneByOrFail(Tenant, { id: tenantId });
  data.statusPagePath =
    tenant.statusPagePublished && endpoint.public && !endpoint.archivedAt
      ? tenant.id === TENANT0_ID
        ? '/status'
        : `/status/${tenant.slug}`
      : null;
  return data;
}
