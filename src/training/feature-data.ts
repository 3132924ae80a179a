import type { DataSource, EntityManager } from 'typeorm';
import { activeEndpoints } from '../db/endpoint-queries';
import type { Endpoint } from '../entities/endpoint.entity';
import { featureRows } from '../ml/features';
import type { EndpointRows } from '../ml/pipeline';
import { withTenant } from '../tenancy/with-tenant';

// The database side of training data: src/ml stays pure TensorFlow and maths (no db, no tenancy).

/** Feature rows of some endpoints over (from, to]. */
export async function endpointFeatureRows(
  manager: EntityManager,
  endpoints: Endpoint[],
  from: Date,
  to: Date,
  horizon: number,
): Promise<EndpointRows[]> {
  const result: EndpointRows[] = [];
  for (const endpoint of endpoints)
    result.push({
      endpointId: endpoint.id,
      rows: await featureRows(manager, endpoint, from, to, horizon),
    });
  return result;
}

/** Feature rows of every active endpoint of a tenant over (from, to]. */
export async function tenantFeatureRows(
  dataSource: DataSource,
  tenantId: string,
  from: Date,
  to: Date,
  horizon: number,
): Promise<EndpointRows[]> {
  return withTenant(dataSource, tenantId, async (manager) =>
    endpointFeatureRows(manager, await activeEndpoints(manager), from, to, horizon),
  );
}
