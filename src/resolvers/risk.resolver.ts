import {
  Arg,
  Authorized,
  Ctx,
  ID,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import { channelIterator } from '../realtime/channels';
import { Forecast, Risk, RiskChange, RiskLevel } from '../schema/risk.types';
import { riskChannel, type RiskChange as RiskChangeEvent } from '../scoring/risk-events';
import {
  assertEndpointVisible,
  backtest,
  currentRisk,
  MAX_FORECAST_MINUTES,
} from '../services/risk';
import { requireScope } from '../tenancy/auth-checker';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

@Resolver()
export class RiskResolver {
  @Authorized('read')
  @Query(() => Risk, {
    nullable: true,
    description:
      "The endpoint's latest prediction (calibrated; null probability with a reason when the minute stands on too little data); null until a model (the tenant's own or the global one) has scored the endpoint.",
  })
  async risk(
    @Arg('endpointId', () => ID) endpointId: string,
    @Ctx() context: RequestContext,
  ): Promise<Risk | null> {
    const latest = await currentRisk(context.dataSource, tenantIdOf(context), endpointId);
    return latest ? { endpointId, ...latest, level: latest.level as RiskLevel | null } : null;
  }

  @Authorized('read')
  @Query(() => Forecast, {
    description: `The active model's risk for each minute of [from, to] (at most ${MAX_FORECAST_MINUTES} minutes), computed from stored telemetry, with the actual breaches.`,
  })
  async forecast(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('from') from: Date,
    @Arg('to') to: Date,
    @Ctx() context: RequestContext,
  ): Promise<Forecast> {
    const result = await backtest(
      context.dataSource,
      context.queues.forecasts,
      tenantIdOf(context),
      {
        endpointId,
        from,
        to,
      },
    );
    return {
      endpointId,
      ...result,
      points: result.points.map((p) => ({ ...p, minute: new Date(p.minute) })),
    };
  }

  @Subscription(() => RiskChange, {
    description:
      "Fires when the endpoint's risk crosses its model's alert threshold, in either direction.",
    subscribe: async ({
      args,
      context,
    }: SubscribeResolverData<unknown, { endpointId: string }, RequestContext>) => {
      requireScope(context, ['read']);
      await assertEndpointVisible(context.dataSource, tenantIdOf(context), args.endpointId);
      return channelIterator<RiskChangeEvent>(context.channels, riskChannel(args.endpointId));
    },
  })
  riskChanged(
    @Root() change: RiskChangeEvent,
    @Arg('endpointId', () => ID) _endpointId: string,
  ): RiskChange {
    return { ...change, minute: new Date(change.minute) };
  }
}
