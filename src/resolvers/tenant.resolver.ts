import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { CreateTenantInput, CreatedTenant } from '../schema/tenant.types';
import { toCreatedApiKey, toTenantType } from '../schema/mappers';
import { createTenant } from '../services/tenants';
import type { RequestContext } from '../tenancy/context';

@Resolver()
export class TenantResolver {
  @Authorized('platform')
  @Mutation(() => CreatedTenant, { description: 'Platform admin keys only.' })
  async createTenant(@Arg('input') input: CreateTenantInput, @Ctx() context: RequestContext): Promise<CreatedTenant> {
    const { tenant, adminKey } = await createTenant(context.dataSource, input);
    context.logger.info({ tenantId: tenant.id, slug: tenant.slug }, 'tenant created');
    return { tenant: toTenantType(tenant), adminKey: toCreatedApiKey(adminKey) };
  }
}
