import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { BadInputError } from '../errors/app-errors';
import { BreachEpisode, SlaStatus, TelemetryBucket } from '../schema/telemetry.types';
import { getEndpoint } from '../services/endpoints';
import { breachEpisodes, slaSummary } from '../telemetry/sla';
import { telemetrySeries } from '../telemetry/telemetry-series';
import { tenantIdOf, type RequestContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';

export const MAX_BUCKETS = 1440;

function assertRange(from: Date, to: Date, bucketMinutes = 1): void {
  if (!(from < to)) throw new BadInputError([{ field: 'to', message: 'must be after from' }]);
  if (!Number.isInteger(bucketMinutes) || bucketMinutes < 1 || bucketMinutes > 1440) {
    throw new BadInputError([{ field: 'bucketMinutes', message: 'must be between 1 and 1440' }]);
  }
  if ((to.getTime() - from.getTime()) / 60_000 / bucketMinutes > MAX_BUCKETS) {
    throw new BadInputError([
      {
        field: 'bucketMinutes',
        message: `the range would have more than ${MAX_BUCKETS} buckets; widen them`,
      },
    ]);
  }
}

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
    assertRange(from, to, bucketMinutes);
    return withTenant(context.dataSource, tenantIdOf(context), async (manager) => {
      await getEndpoint(manager, endpointId);
      return telemetrySeries(manager, endpointId, from, to, bucketMinutes);
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
    return withTenant(context.dataSource, tenantIdOf(context), async (manager) => {
      const endpoint = await getEndpoint(manager, endpointId);
      const summary = await slaSummary(manager, endpoint);
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
    });
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
    if (!(start < end)) throw new BadInputError([{ field: 'to', message: 'must be after from' }]);
    return withTenant(context.dataSource, tenantIdOf(context), async (manager) => {
      const endpoint = await getEndpoint(manager, status.endpointId);
      return breachEpisodes(manager, endpoint, start, end);
    });
  }
}
