import type Bull from 'bull';
import type { DataSource } from 'typeorm';
import { EndpointIncident } from '../entities/endpoint-incident.entity';
import { Endpoint } from '../entities/endpoint.entity';
import {
  announceIncident,
  incidentEnd,
  resolveIncident,
  type IncidentEnd,
} from '../notifications/incidents';
import { inMaintenance } from '../notifications/maintenance';
import { withTenant } from '../tenancy/with-tenant';
import type { ApiQueues } from './api-queues';
import { defineJob, type PlatformJob } from './job-definition';
import type { ProcessorRegistration } from './processor';
import { enqueueWebhookEvent } from './webhook-jobs';

export const INCIDENT_QUEUE = 'incidents';
export const INCIDENT_WATCH_MS = 60_000;

export const INCIDENT_JOB = defineJob<PlatformJob>({
  queue: INCIDENT_QUEUE,
  attempts: 1,
  keep: { completed: 10, failed: 10 },
});

/**
 * Ends a tenant's open incidents that are over (RECOVERED after a breach episode, RESOLVED when a
 * predicted breach did not come), announces breaches that began in maintenance and outlast it,
 * and queues their notifications. An endpoint in maintenance is left for later: nothing is sent
 * during maintenance, and nothing is lost by waiting.
 */
export async function watchTenantIncidents(
  dataSource: DataSource,
  queues: Pick<ApiQueues, 'webhooks'>,
  tenantId: string,
  now: Date,
): Promise<IncidentEnd[]> {
  const ended = await withTenant(dataSource, tenantId, async (manager) => {
    const open = await manager
      .createQueryBuilder(EndpointIncident, 'i')
      .where('i.resolved_at is null')
      .getMany();
    if (open.length === 0) return [];
    const endpoints = await manager.findBy(
      Endpoint,
      open.map((i) => ({ id: i.endpointId })),
    );
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    const paused = await inMaintenance(manager, [...byId.keys()], now);
    const ends: IncidentEnd[] = [];
    for (const incident of open) {
      const endpoint = byId.get(incident.endpointId);
      if (!endpoint || paused.has(endpoint.id)) continue;
      const end = await incidentEnd(manager, incident, endpoint, now);
      if (incident.silenced) {
        // Began during maintenance: over by now, it is closed without a word; still going, it
        // is announced now, as the onset nobody was told about.
        if (end) await resolveIncident(manager, incident, now);
        else {
          await announceIncident(manager, incident);
          ends.push({
            event: 'BREACH_STARTED',
            endpointId: endpoint.id,
            data: {
              endpointId: endpoint.id,
              incidentId: incident.id,
              minute: (incident.breachStartedAt ?? incident.openedAt).toISOString(),
            },
          });
        }
        continue;
      }
      if (!end) continue;
      await resolveIncident(manager, incident, now);
      ends.push(end);
    }
    return ends;
  });
  // Queued after the commit, so a delivery never refers to an incident that was rolled back.
  for (const end of ended)
    await enqueueWebhookEvent(
      dataSource,
      queues.webhooks,
      tenantId,
      end.event,
      String(end.data.incidentId),
      end.data,
      now,
    );
  return ended;
}

/** Every minute, across tenants with an open incident. */
export const incidentProcessor: ProcessorRegistration = {
  queue: INCIDENT_QUEUE,
  concurrency: 1,
  process: async (_job: Bull.Job, { dataSource, queues, logger }) => {
    const tenants: Array<{ tenant_id: string }> = await dataSource.query(
      'select tenants_with_open_incidents() as tenant_id',
    );
    const now = new Date();
    let ended = 0;
    for (const { tenant_id: tenantId } of tenants) {
      try {
        ended += (await watchTenantIncidents(dataSource, queues, tenantId, now)).length;
      } catch (err) {
        // One tenant's failure must not hold back the others' recoveries.
        logger.warn({ tenantId, err: (err as Error).message }, 'incident watch failed');
      }
    }
    return { tenants: tenants.length, ended };
  },
};
