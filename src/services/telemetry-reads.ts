import type { DataSource } from 'typeorm';
import type { Endpoint } from '../entities/endpoint.entity';
import { BadInputError } from '../errors/app-errors';
import { breachEpisodes, slaSummary, type BreachEpisode, type SlaSummary } from '../telemetry/sla';
import { telemetrySeries, type TelemetryBucket } from '../telemetry/telemetry-series';
import { withTenant } from '../tenancy/with-tenant';
import { getEndpoint } from './endpoints';

// What the API reads of an endpoint's telemetry. Each checks the endpoint is the tenant's first
// (NOT_FOUND otherwise, like an unknown id).

export const MAX_BUCKETS = 1440;

function assertRange(from: Date, to: Date, bucketMinutes = 1): void {
  if (!(from < to)) throw new BadInputError([{ field: 'to', message: 'must be after from' }]);
  if (!Number.isInteger(bucketMinutes) || bucketMinutes < 1 || bucketMinutes > 1440) {
    throw new BadInputError([{ field: 'bucketMinutes', message: 'must be between 1 and 1440' }]);
  }
  if ((to.getTime() - from.getTime()) / 60_000 / bucketMinutes > MAX_BUCKETS) {
    throw new BadInputError([
      {
        field: 'bucketMinutes',
        message: `the range would have more than ${MAX_BUCKETS} buckets; widen them`,
      },
    ]);
  }
}

/** Latency and errors per bucket over [from, to), at most MAX_BUCKETS buckets. */
export async function endpointTelemetry(
  dataSource: DataSource,
  tenantId: string,
  request: { endpointId: string; from: Date; to: Date; bucketMinutes: number },
): Promise<TelemetryBucket[]> {
  const { endpointId, from, to, bucketMinutes } = request;
  assertRange(from, to, bucketMinutes);
  return withTenant(dataSource, tenantId, async (manager) => {
    await getEndpoint(manager, endpointId);
    return telemetrySeries(manager, endpointId, from, to, bucketMinutes);
  });
}

export async function endpointSla(
  dataSource: DataSource,
  tenantId: string,
  endpointId: string,
): Promise<{ endpoint: Endpoint; summary: SlaSummary }> {
  return withTenant(dataSource, tenantId, async (manager) => {
    const endpoint = await getEndpoint(manager, endpointId);
    return { endpoint, summary: await slaSummary(manager, endpoint) };
  });
}

/** Breach episodes with an onset in [from, to). */
export async function endpointEpisodes(
  dataSource: DataSource,
  tenantId: string,
  request: { endpointId: string; from: Date; to: Date },
): Promise<BreachEpisode[]> {
  const { endpointId, from, to } = request;
  if (!(from < to)) throw new BadInputError([{ field: 'to', message: 'must be after from' }]);
  return withTenant(dataSource, tenantId, async (manager) => {
    const endpoint = await getEndpoint(manager, endpointId);
    return breachEpisodes(manager, endpoint, from, to);
  });
}
