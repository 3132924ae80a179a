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
import type { ForecastResult } from '../jobs/forecast-jobs';
import { BadInputError, ConflictError } from '../errors/app-errors';
import { channelIterator } from '../realtime/channels';
import { Forecast, Risk, RiskChange, RiskLevel } from '../schema/risk.types';
import { latestPrediction } from '../scoring/predictions';
import { riskChannel, type RiskChange as RiskChangeEvent } from '../scoring/risk-events';
import { getEndpoint } from '../services/endpoints';
import { requireScope } from '../tenancy/auth-checker';
import { tenantIdOf, type RequestContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { refusedActiveModel } from '../training/model-registry';

/** A backtest reads at most a week of minutes. */
export const MAX_FORECAST_MINUTES = 7 * 1440;
/** How long `forecast` waits for the worker. */
const FORECAST_TIMEOUT_MS = 60_000;

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
    return withTenant(context.dataSource, tenantIdOf(context), async (manager) => {
      await getEndpoint(manager, endpointId);
      const latest = await latestPrediction(manager, endpointId);
      return latest
        ? {
            endpointId,
            ...latest,
            percent: latest.probability === null ? null : +(latest.probability * 100).toFixed(1),
            level: latest.level as RiskLevel | null,
          }
        : null;
    });
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
    if (!(from < to)) throw new BadInputError([{ field: 'to', message: 'must be after from' }]);
    if ((to.getTime() - from.getTime()) / 60_000 > MAX_FORECAST_MINUTES)
      throw new BadInputError([
        { field: 'from', message: `the range may span at most ${MAX_FORECAST_MINUTES} minutes` },
      ]);
    const tenantId = tenantIdOf(context);
    await withTenant(context.dataSource, tenantId, (manager) => getEndpoint(manager, endpointId));
    // The worker computes it: the API never loads TensorFlow.
    const job = await context.queues.forecasts.add(
      { tenantId, endpointId, from: from.toISOString(), to: to.toISOString() },
      { removeOnComplete: true, removeOnFail: true },
    );
    const result = (await Promise.race([
      job.finished(),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error('forecast timed out waiting for a worker')),
          FORECAST_TIMEOUT_MS,
        ).unref(),
      ),
    ])) as ForecastResult | null;
    if (!result) {
      const refused = await withTenant(context.dataSource, tenantId, (manager) =>
        refusedActiveModel(manager, tenantId),
      );
      throw new ConflictError(
        refused
          ? `Model version ${refused.version} is refused: ${refused.refusedReason}. Restore its record or promote another model.`
          : 'There is no active model yet: train one (trainModel) first.',
      );
    }
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
      await withTenant(context.dataSource, tenantIdOf(context), (manager) =>
        getEndpoint(manager, args.endpointId),
      );
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
