import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { Tenant } from '../entities/tenant.entity';
import { BadInputError, NotFoundError } from '../errors/app-errors';
import { CreateTenantInput, CreatedTenant, TenantType } from '../schema/tenant.types';
import { FEATURE_FLAGS, isFeatureFlag } from '../services/feature-flags';
import { withTenant } from '../tenancy/with-tenant';
import { toCreatedApiKey, toTenantType } from '../schema/mappers';
import { createTenant, tenantIdBySlug } from '../services/tenants';
import type { RequestContext } from '../tenancy/context';

@Resolver()
export class TenantResolver {
  @Authorized('platform')
  @Mutation(() => CreatedTenant, { description: 'Platform admin keys only.' })
  async createTenant(
    @Arg('input') input: CreateTenantInput,
    @Ctx() context: RequestContext,
  ): Promise<CreatedTenant> {
    const { tenant, adminKey } = await createTenant(context.dataSource, input);
    context.logger.info({ tenantId: tenant.id, slug: tenant.slug }, 'tenant created');
    return { tenant: toTenantType(tenant), adminKey: toCreatedApiKey(adminKey) };
  }

  @Authorized('platform')
  @Mutation(() => TenantType, {
    description: `Platform admin keys only: the tenant's feature flags (${Object.keys(FEATURE_FLAGS).join(', ')}).`,
  })
  async setFeatureFlags(
    @Arg('slug') slug: string,
    @Arg('flags', () => [String]) flags: string[],
    @Ctx() context: RequestContext,
  ): Promise<TenantType> {
    const unknown = flags.filter((flag) => !isFeatureFlag(flag));
    if (unknown.length > 0)
      throw new BadInputError([
        { field: 'flags', message: `unknown flags: ${unknown.join(', ')}` },
      ]);
    const tenantId = await tenantIdBySlug(context.dataSource, slug);
    if (!tenantId) throw new NotFoundError('Tenant', slug);
    return toTenantType(
      await withTenant(context.dataSource, tenantId, async (manager) => {
        await manager.update(Tenant, { id: tenantId }, { featureFlags: [...new Set(flags)] });
        return manager.findOneByOrFail(Tenant, { id: tenantId });
      }),
    );
  }
}
