import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { NotFoundError } from '../errors/app-errors';
import { toTenantType } from '../schema/mappers';
import type { RiskLevel } from '../schema/risk.types';
import { StatusPage, type EndpointStateType } from '../schema/status-page.types';
import { TenantType } from '../schema/tenant.types';
import { publishStatusPage } from '../services/tenants';
import { statusPageData } from '../status/status-data';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

@Resolver()
export class StatusPageResolver {
  // Public on purpose (no @Authorized): the same data as /status/<slug>, which needs no key.
  @Query(() => StatusPage, {
    description:
      "A tenant's public status page (no key needed). NOT_FOUND for unknown and unpublished slugs alike.",
  })
  async statusPage(@Arg('slug') slug: string, @Ctx() context: RequestContext): Promise<StatusPage> {
    const data = await statusPageData(context.dataSource, slug, {
      maxAgeMs: context.config.statusCacheSeconds * 1000,
    });
    if (!data) throw new NotFoundError('Status page', slug);
    return {
      ...data,
      endpoints: data.endpoints.map((e) => ({
        ...e,
        state: e.state as EndpointStateType,
        risk: e.risk && { ...e.risk, level: e.risk.level as RiskLevel | null },
      })),
    };
  }

  @Authorized('admin')
  @Mutation(() => TenantType, {
    description:
      "Publishes (or withdraws) the tenant's status page at /status/<slug>. It shows only endpoints marked public.",
  })
  async publishStatusPage(
    @Arg('published') published: boolean,
    @Ctx() context: RequestContext,
  ): Promise<TenantType> {
    return toTenantType(
      await publishStatusPage(context.dataSource, tenantIdOf(context), published),
    );
  }
}
