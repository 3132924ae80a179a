import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { ModelComparison } from '../schema/herd.types';
import { toModelType } from '../schema/intelligence-mappers';
import { toTenantType } from '../schema/mappers';
import { ModelScope } from '../schema/model.types';
import { ForecastSettingsInput, TenantType } from '../schema/tenant.types';
import { compareWithGlobal, setForecastSettings, setGlobalContribution } from '../services/herd';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

@Resolver()
export class HerdResolver {
  @Authorized('read')
  @Query(() => ModelComparison, {
    description: 'Your model against the global one on your data, and which of them serves you.',
  })
  async modelComparison(@Ctx() context: RequestContext): Promise<ModelComparison> {
    const { choice, own, global, compared, guard } = await compareWithGlobal(
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
    return toTenantType(await setForecastSettings(context.dataSource, tenantIdOf(context), input));
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
