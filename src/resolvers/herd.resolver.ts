import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { GLOBAL_SCOPE_ID, Tenant } from '../entities/tenant.entity';
import { ModelComparison } from '../schema/herd.types';
import { toModelType } from '../schema/intelligence-mappers';
import { toTenantType } from '../schema/mappers';
import { ModelScope } from '../schema/model.types';
import { ForecastSettingsInput, TenantType } from '../schema/tenant.types';
import { chooseServing } from '../scoring/serving';
import { servingGuard } from '../scoring/serving-guard';
import { tenantIdOf, type RequestContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { activeModel } from '../training/model-registry';

@Resolver()
export class HerdResolver {
  @Authorized('read')
  @Query(() => ModelComparison, {
    description: 'Your model against the global one on your data, and which of them serves you.',
  })
  async modelComparison(@Ctx() context: RequestContext): Promise<ModelComparison> {
    const tenantId = tenantIdOf(context);
    const [own, global, guard] = await withTenant(context.dataSource, tenantId, async (manager) => {
      const pair = [
        await activeModel(manager, tenantId),
        await activeModel(manager, GLOBAL_SCOPE_ID),
      ] as const;
      const served = chooseServing(...pair).winner === 'GLOBAL';
      return [...pair, await servingGuard(manager, tenantId, served)] as const;
    });
    const choice = chooseServing(own, global);
    const compared =
      own?.evaluation.global && own.evaluation.global.modelId === global?.id
        ? own.evaluation.global
        : null;
    return {
      serving: choice.winner === 'NONE' ? null : (choice.winner as ModelScope),
      why: choice.why,
      tenantModel: own ? toModelType(own) : null,
      globalModel: global ? toModelType(global) : null,
      tenantMetrics: own?.evaluation.model ?? null,
      globalMetrics: compared?.metrics ?? null,
      featureDistance: compared?.featureDistance ?? null,
      alerting: choice.winner === 'NONE' ? 'BURN_RATE' : guard.alerting,
      alertingWhy: choice.winner === 'NONE' ? 'no model serves you yet' : guard.why,
      liveFalseAlertsPerEndpointDay: guard.falseAlertsPerEndpointDay,
    };
  }

  @Authorized('admin')
  @Mutation(() => TenantType, {
    description:
      'Forecast settings of your tenant: the false-alert budget of the promotion gate and serving guard, and scheduled retraining.',
  })
  async setForecastSettings(
    @Arg('input') input: ForecastSettingsInput,
    @Ctx() context: RequestContext,
  ): Promise<TenantType> {
    const tenantId = tenantIdOf(context);
    return toTenantType(
      await withTenant(context.dataSource, tenantId, async (manager) => {
        const changes = Object.fromEntries(
          Object.entries(input).filter(([, value]) => value !== undefined && value !== null),
        );
        if (Object.keys(changes).length > 0)
          await manager.update(Tenant, { id: tenantId }, changes);
        return manager.findOneByOrFail(Tenant, { id: tenantId });
      }),
    );
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
    const tenantId = tenantIdOf(context);
    return toTenantType(
      await withTenant(context.dataSource, tenantId, async (manager) => {
        await manager.update(Tenant, { id: tenantId }, { contributesToGlobal: contribute });
        if (!contribute) await manager.query('delete from global_feature_rows');
        return manager.findOneByOrFail(Tenant, { id: tenantId });
      }),
    );
  }
}
