import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Endpoint, type HttpMethodName } from '../entities/endpoint.entity';
import { BadInputError, ConflictError, NotFoundError } from '../errors/app-errors';
import { isUuid } from './ids';

/** When an endpoint is in breach (the GraphQL input carries the same fields, range-checked). */
export interface EndpointSla {
  latencyThresholdMs: number;
  latencyPercentile: number;
  errorRateThreshold: number;
  windowMinutes: number;
  availabilityTarget: number;
}

export interface NewEndpoint {
  name: string;
  url: string;
  method: HttpMethodName;
  expectedStatusCodes: number[];
  probeEnabled: boolean;
  public: boolean;
  probeIntervalSeconds: number;
  timeoutMs: number;
  sla: EndpointSla;
}

/** A partial change; null and undefined both mean "keep". */
export type EndpointPatch = {
  [K in Exclude<keyof NewEndpoint, 'sla'>]?: NewEndpoint[K] | null;
} & { sla?: { [K in keyof EndpointSla]?: EndpointSla[K] | null } | null };

// Every function here takes a manager from withTenant(): RLS already limits it to one tenant.

export async function createEndpoint(
  manager: EntityManager,
  tenantId: string,
  input: NewEndpoint,
): Promise<Endpoint> {
  assertTimeoutBelowInterval(input.timeoutMs, input.probeIntervalSeconds);
  const endpoint = manager.create(Endpoint, {
    tenantId,
    id: crypto.randomUUID(),
    name: input.name,
    url: input.url,
    method: input.method,
    expectedStatusCodes: input.expectedStatusCodes,
    probeEnabled: input.probeEnabled,
    public: input.public,
    probeIntervalSeconds: input.probeIntervalSeconds,
    timeoutMs: input.timeoutMs,
    ...input.sla,
    updatedAt: new Date(),
    archivedAt: null,
  });
  return manager.save(endpoint);
}

/** Finds a visible endpoint; another tenant's id is NOT_FOUND, exactly like a made-up one. */
export async function getEndpoint(manager: EntityManager, id: string): Promise<Endpoint> {
  const endpoint = isUuid(id) ? await manager.findOneBy(Endpoint, { id }) : null;
  if (!endpoint) throw new NotFoundError('Endpoint', id);
  return endpoint;
}

/** The updated endpoint, and the interval it had: its probe schedule is keyed by that interval. */
export async function updateEndpoint(
  manager: EntityManager,
  id: string,
  patch: EndpointPatch,
): Promise<{ endpoint: Endpoint; previousIntervalSeconds: number }> {
  const endpoint = await getEndpoint(manager, id);
  const previousIntervalSeconds = endpoint.probeIntervalSeconds;
  if (endpoint.archivedAt)
    throw new ConflictError(`Endpoint ${id} is archived and can no longer change.`);
  const { sla, ...fields } = patch;
  // null and undefined both mean "keep": no column of an endpoint may become null.
  for (const [key, value] of Object.entries({ ...fields, ...sla })) {
    if (value !== null && value !== undefined) Object.assign(endpoint, { [key]: value });
  }
  assertTimeoutBelowInterval(endpoint.timeoutMs, endpoint.probeIntervalSeconds);
  endpoint.updatedAt = new Date();
  // Another SLA means other breach minutes: the kept daily availabilities no longer hold.
  if (sla) await manager.query('delete from availability_daily where endpoint_id = $1', [id]);
  return { endpoint: await manager.save(endpoint), previousIntervalSeconds };
}

/** Archiving stops probing and hides the endpoint from lists; history stays. Idempotent. */
export async function archiveEndpoint(manager: EntityManager, id: string): Promise<Endpoint> {
  const endpoint = await getEndpoint(manager, id);
  if (endpoint.archivedAt) return endpoint;
  endpoint.archivedAt = new Date();
  endpoint.updatedAt = endpoint.archivedAt;
  return manager.save(endpoint);
}

function assertTimeoutBelowInterval(timeoutMs: number, intervalSeconds: number): void {
  if (timeoutMs >= intervalSeconds * 1000) {
    throw new BadInputError([
      { field: 'timeoutMs', message: 'must be shorter than probeIntervalSeconds' },
    ]);
  }
}
