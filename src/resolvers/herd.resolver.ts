import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { ModelComparison } from '../schema/herd.types';
import { toModelType } from '../schema/intelligence-mappers';
import { toTenantType } from '../schema/mappers';
import { ModelScope } from '../schema/model.types';
import { TenantType } from '../schema/tenant.types';
import { compareWithGlobal, setGlobalContribution } from '../services/herd';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

@Resolver()
export class HerdResolver {
  @Authorized('read')
  @Query(() => ModelComparison, {
    description: 'Your model against the global one on your data, and which of them serves you.',
  })
  async modelComparison(@Ctx() context: RequestContext): Promise<ModelComparison> {
    const { choice, own, global, compared } = await compareWithGlobal(
      context.dataSource,
      tenantIdOf(context),
    );
    return {
      serving: choice.winner === 'NONE' ? null : (choice.winner as ModelScope),
      why: choice.why,
      tenantModel: own ? toModelType(own) : null,
      globalModel: global ? toModelType(global) : null,
      tenantMetrics: own?.evaluation.model ?? null,
      globalMetrics: compared?.metrics ?? null,
      featureDistance: compared?.featureDistance ?? null,
    };
  }

  @Authorized('admin')
  @Mutation(() => TenantType, {
    description:
      'Opt in to (true) or out of (false) contributing anonymised features to the global model. Opting out removes your contribution at once; you still receive the global model.',
  })
  async setGlobalContribution(
    @Arg('contribute') contribute: boolean,
    @Ctx() context: RequestContext,
  ): Promise<TenantType> {
    return toTenantType(
      await setGlobalContribution(context.dataSource, tenantIdOf(context), contribute),
    );
  }
}
