import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Tenant } from '../entities/tenant.entity';
import { BadInputError, NotFoundError } from '../errors/app-errors';
import { isFeatureFlag } from './feature-flags';
import { readAsTenant } from '../tenancy/read-as-tenant';
import { withTenant } from '../tenancy/with-tenant';
import { createApiKey, type IssuedKey } from './api-keys';

/**
 * Creates a tenant and its first admin key in one transaction. The transaction runs as the new
 * tenant, so the app role's RLS policies allow exactly these rows and nothing else.
 */
export async function createTenant(
  dataSource: DataSource,
  input: { slug: string; name: string },
): Promise<{ tenant: Tenant; adminKey: IssuedKey }> {
  const id = crypto.randomUUID();
  return withTenant(dataSource, id, async (manager) => {
    await manager.insert(Tenant, { id, slug: input.slug, name: input.name });
    const tenant = await manager.findOneByOrFail(Tenant, { id });
    const adminKey = await createApiKey(manager, id, { name: 'first admin key', scope: 'admin' });
    return { tenant, adminKey };
  });
}

/** The tenant's row as its GraphQL type shows it: what `me` answers, in one round trip. */
export type TenantView = Omit<Tenant, 'statusVersion'>;

export async function getTenant(dataSource: DataSource, tenantId: string): Promise<TenantView> {
  const [tenant] = await readAsTenant<TenantView>(
    dataSource,
    tenantId,
    `select id, slug, name, created_at as "createdAt",
            status_page_published as "statusPagePublished",
            contributes_to_global as "contributesToGlobal", feature_flags as "featureFlags",
            false_alert_budget as "falseAlertBudget", auto_retrain as "autoRetrain",
            retrain_every_days as "retrainEveryDays"
       from tenants where id = $1`,
    [tenantId],
  );
  if (!tenant) throw new NotFoundError('Tenant', tenantId);
  return tenant;
}

/** Slug to id through the security-definer lookup (no tenant is set yet when this runs). */
export async function tenantIdBySlug(
  dataSource: DataSource,
  slug: string,
): Promise<string | undefined> {
  const rows: Array<{ id: string | null }> = await dataSource.query(
    'select tenant_id_by_slug($1) as id',
    [slug],
  );
  return rows[0]?.id ?? undefined;
}

/** Platform admins only (the caller checks): replaces the tenant's feature flags. */
export async function setFeatureFlags(
  dataSource: DataSource,
  slug: string,
  flags: string[],
): Promise<Tenant> {
  const unknown = flags.filter((flag) => !isFeatureFlag(flag));
  if (unknown.length > 0)
    throw new BadInputError([{ field: 'flags', message: `unknown flags: ${unknown.join(', ')}` }]);
  const tenantId = await tenantIdBySlug(dataSource, slug);
  if (!tenantId) throw new NotFoundError('Tenant', slug);
  return updateTenant(dataSource, tenantId, { featureFlags: [...new Set(flags)] });
}

/** Publishes (or withdraws) the tenant's status page. */
export async function publishStatusPage(
  dataSource: DataSource,
  tenantId: string,
  published: boolean,
): Promise<Tenant> {
  return updateTenant(dataSource, tenantId, { statusPagePublished: published });
}

async function updateTenant(
  dataSource: DataSource,
  tenantId: string,
  patch: Partial<Pick<Tenant, 'featureFlags' | 'statusPagePublished'>>,
): Promise<Tenant> {
  return withTenant(dataSource, tenantId, async (manager) => {
    await manager.update(Tenant, { id: tenantId }, patch);
    return manager.findOneByOrFail(Tenant, { id: tenantId });
  });
}
