import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { Endpoint, type HttpMethodName } from '../entities/endpoint.entity';
import { BadInputError, ConflictError, NotFoundError } from '../errors/app-errors';
import type { TouchedRange } from '../telemetry/batches';
import { lockEndpointRollups, refreshRollupState } from '../telemetry/rollup-state';
import { withTenant } from '../tenancy/with-tenant';
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

/** The jobs an endpoint change sets off after its commit; the caller owns the queues. */
export interface EndpointJobs {
  /** Makes the endpoint's probe schedule match it; the schedule is keyed by its old interval. */
  syncProbeSchedule(endpoint: Endpoint, previousIntervalSeconds?: number): Promise<void>;
  /** Recomputes the rollups of these ranges from the raw samples. */
  recomputeRollups(tenantId: string, ranges: TouchedRange[]): Promise<void>;
}

export interface EndpointDeps {
  dataSource: DataSource;
  jobs: EndpointJobs;
  /** How long samples are kept: a new latency threshold recomputes the rollups of all of them. */
  retentionDays: number;
}

// The three below are the API's path: validate, one tenant transaction, then the jobs after its
// COMMIT (enqueue refuses inside withTenant), so a job never reads a change that was rolled back.

export async function createEndpointAndSchedule(
  deps: EndpointDeps,
  tenantId: string,
  input: NewEndpoint,
): Promise<Endpoint> {
  assertTimeoutBelowInterval(input.timeoutMs, input.probeIntervalSeconds);
  const created = await withTenant(deps.dataSource, tenantId, (m) =>
    createEndpoint(m, tenantId, input),
  );
  await deps.jobs.syncProbeSchedule(created);
  return created;
}

export async function updateEndpointAndSchedule(
  deps: EndpointDeps,
  tenantId: string,
  id: string,
  patch: EndpointPatch,
): Promise<Endpoint> {
  const { endpoint, previousIntervalSeconds } = await withTenant(deps.dataSource, tenantId, (m) =>
    updateEndpoint(m, id, patch),
  );
  await deps.jobs.syncProbeSchedule(endpoint, previousIntervalSeconds);
  if (patch.sla?.latencyThresholdMs != null) {
    // Rollups count samples over the threshold: a new threshold recomputes the whole history.
    const from = new Date(Date.now() - deps.retentionDays * 86_400_000);
    await deps.jobs.recomputeRollups(endpoint.tenantId, [
      { endpointId: endpoint.id, from, to: new Date() },
    ]);
  }
  return endpoint;
}

export async function archiveEndpointAndUnschedule(
  deps: EndpointDeps,
  tenantId: string,
  id: string,
): Promise<Endpoint> {
  const archived = await withTenant(deps.dataSource, tenantId, (m) => archiveEndpoint(m, id));
  await deps.jobs.syncProbeSchedule(archived);
  return archived;
}

// Every function below takes a manager from withTenant(): RLS already limits it to one tenant.

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
  const saved = await manager.save(endpoint);
  if (sla) {
    // Another SLA means other breach minutes: the rollups' breach flags, their running count
    // and the episode state are redone over the whole history.
    await lockEndpointRollups(manager, id);
    await refreshRollupState(manager, id, '-infinity');
  }
  return { endpoint: saved, previousIntervalSeconds };
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
