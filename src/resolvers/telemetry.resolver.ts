import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { BreachEpisode, SlaStatus, TelemetryBucket } from '../schema/telemetry.types';
import {
  endpointEpisodes,
  endpointSla,
  endpointTelemetry,
  MAX_BUCKETS,
} from '../services/telemetry-reads';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

@Resolver(() => SlaStatus)
export class TelemetryResolver {
  @Authorized('read')
  @Query(() => [TelemetryBucket], {
    description: `Latency and errors per bucket over [from, to), at most ${MAX_BUCKETS} buckets.`,
  })
  async telemetry(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('from') from: Date,
    @Arg('to') to: Date,
    @Arg('bucketMinutes', () => Int, { defaultValue: 1 }) bucketMinutes: number,
    @Ctx() context: RequestContext,
  ): Promise<TelemetryBucket[]> {
    return endpointTelemetry(context.dataSource, tenantIdOf(context), {
      endpointId,
      from,
      to,
      bucketMinutes,
    });
  }

  @Authorized('read')
  @Query(() => SlaStatus, {
    description: 'Whether the SLA holds now, 30-day compliance, error budget and burn rates.',
  })
  async slaStatus(
    @Arg('endpointId', () => ID) endpointId: string,
    @Ctx() context: RequestContext,
  ): Promise<SlaStatus> {
    const { endpoint, summary } = await endpointSla(
      context.dataSource,
      tenantIdOf(context),
      endpointId,
    );
    return {
      endpointId: endpoint.id,
      evaluatedAt: summary.evaluatedAt,
      breachedNow: summary.breachedNow,
      current: summary.current,
      availabilityTarget: endpoint.availabilityTarget,
      availability30d: summary.availability,
      latencyCompliance30d: summary.latencyCompliance,
      errorBudgetRemaining: summary.errorBudgetRemaining,
      burnRates: summary.burnRates,
    };
  }

  @FieldResolver(() => [BreachEpisode], {
    description: 'Breach episodes with an onset in [from, to); default the last 30 days.',
  })
  async episodes(
    @Root() status: SlaStatus,
    @Ctx() context: RequestContext,
    @Arg('from', () => Date, { nullable: true }) from?: Date | null,
    @Arg('to', () => Date, { nullable: true }) to?: Date | null,
  ): Promise<BreachEpisode[]> {
    const end = to ?? new Date(status.evaluatedAt.getTime() + 60_000);
    const start = from ?? new Date(end.getTime() - 30 * 86_400_000);
    return endpointEpisodes(context.dataSource, tenantIdOf(context), {
      endpointId: status.endpointId,
      from: start,
      to: end,
    });
  }
}
