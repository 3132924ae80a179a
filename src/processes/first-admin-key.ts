import type { DataSource } from 'typeorm';
import { TENANT0_ID } from '../entities/tenant.entity';
import { createApiKey, hasAnyApiKey } from '../services/api-keys';
import { withTenant } from '../tenancy/with-tenant';

/**
 * On the very first start Tenant0 has no key at all: make its first admin key and return it, so
 * it can be printed once. Later starts (even after every key was revoked) return undefined.
 */
export async function issueFirstTenant0Key(dataSource: DataSource): Promise<string | undefined> {
  return withTenant(dataSource, TENANT0_ID, async (manager) => {
    // Serialises concurrent first starts: only one of them creates (and prints) the key.
    await manager.query('select pg_advisory_xact_lock(4207002)');
    if (await hasAnyApiKey(manager)) return undefined;
    const issued = await createApiKey(manager, TENANT0_ID, {
      name: 'first admin key',
      scope: 'admin',
    });
    return issued.secret;
  });
}
