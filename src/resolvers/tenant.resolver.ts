import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { CreateTenantInput, CreatedTenant, TenantType } from '../schema/tenant.types';
import { FEATURE_FLAGS } from '../services/feature-flags';
import { toCreatedApiKey, toTenantType } from '../schema/mappers';
import { createTenant, setFeatureFlags } from '../services/tenants';
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
    return toTenantType(await setFeatureFlags(context.dataSource, slug, flags));
  }
}
