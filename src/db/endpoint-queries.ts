import { In, IsNull, type EntityManager } from 'typeorm';
import { Endpoint } from '../entities/endpoint.entity';

/**
 * The tenant's active (not archived) endpoints, or those of `ids` that are active, in creation
 * order. Filtered in SQL; run on a manager from withTenant(), whose RLS context picks the tenant.
 */
export function activeEndpoints(
  manager: EntityManager,
  ids: readonly string[] | null = null,
): Promise<Endpoint[]> {
  if (ids?.length === 0) return Promise.resolve([]);
  return manager.find(Endpoint, {
    where: { archivedAt: IsNull(), ...(ids ? { id: In([...ids]) } : {}) },
    order: { createdAt: 'ASC', id: 'ASC' },
  });
}
