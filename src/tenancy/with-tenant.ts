import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs one unit of work as a tenant: begin, set `app.tenant_id` for this transaction only, run,
 * commit. Every resolver and job reaches tenant data through here; the RLS policies do the rest.
 * Transaction-local (`true`) matters: a pooled connection must not carry the id to the next user.
 */
export async function withTenant<T>(
  dataSource: DataSource,
  tenantId: string,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(async (manager) => {
    await manager.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    return work(manager);
  });
}
