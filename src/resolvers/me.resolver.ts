import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { TenantType } from '../schema/tenant.types';
import { toTenantType } from '../schema/mappers';
import { getTenant } from '../services/tenants';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

@Resolver()
export class MeResolver {
  @Authorized()
  @Query(() => TenantType, { description: 'The tenant the API key belongs to.' })
  async me(@Ctx() context: RequestContext): Promise<TenantType> {
    return toTenantType(await getTenant(context.dataSource, tenantIdOf(context)));
  }
}
