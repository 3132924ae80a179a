import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Ctx, ID, Info, Int, Mutation, Query, Resolver } from 'type-graphql';
import { syncProbeSchedule } from '../jobs/probe-jobs';
import { enqueueRollups } from '../jobs/rollup-jobs';
import { CreateEndpointInput, UpdateEndpointInput } from '../schema/endpoint.inputs';
import { EndpointConnection } from '../schema/endpoint-connection';
import { EndpointType } from '../schema/endpoint.types';
import { toEndpointType } from '../schema/mappers';
import {
  assertPageSize,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
} from '../schema/pagination';
import type { Endpoint } from '../entities/endpoint.entity';
import { getEndpointRow, listEndpointRows } from '../services/endpoint-rows';
import * as endpoints from '../services/endpoints';
import { selectedFields } from '../schema/selected-fields';
import { tenantIdOf, type RequestContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';

@Resolver()
export class EndpointResolver {
  @Authorized('read')
  @Query(() => EndpointConnection, {
    description: 'Endpoints in creation order.',
    // Cost grows with the page size the client asks for.
    complexity: ({ args, childComplexity }) =>
      1 + childComplexity * Number(args.first ?? DEFAULT_PAGE_SIZE),
  })
  async endpoints(
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE_SIZE }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('includeArchived', { defaultValue: false }) includeArchived?: boolean,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<EndpointConnection> {
    assertPageSize(first);
    const afterId = after ? decodeCursor('endpoint', after) : undefined;
    const page = await withTenant(context.dataSource, tenantIdOf(context), (manager) =>
      listEndpointRows(
        manager,
        { first, afterId, includeArchived: includeArchived ?? false },
        askedProperties(info, ['edges', 'node']),
      ),
    );
    // Only the asked-for properties are set; GraphQL reads no others.
    const edges = page.endpoints.map((e) => ({
      cursor: encodeCursor('endpoint', e.id),
      node: toEndpointType(e as Endpoint),
    }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Authorized('read')
  @Query(() => EndpointType)
  async endpoint(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<EndpointType> {
    const row = await this.inTenant(context, (m) => getEndpointRow(m, id, askedProperties(info)));
    return toEndpointType(row as Endpoint);
  }

  @Authorized('admin')
  @Mutation(() => EndpointType)
  async createEndpoint(
    @Arg('input') input: CreateEndpointInput,
    @Ctx() context: RequestContext,
  ): Promise<EndpointType> {
    const tenantId = tenantIdOf(context);
    const created = await this.inTenant(context, (m) =>
      endpoints.createEndpoint(m, tenantId, input),
    );
    await syncProbeSchedule(context.queues.probes, created);
    return toEndpointType(created);
  }

  @Authorized('admin')
  @Mutation(() => EndpointType)
  async updateEndpoint(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateEndpointInput,
    @Ctx() context: RequestContext,
  ): Promise<EndpointType> {
    const { endpoint: updated, previousIntervalSeconds } = await this.inTenant(context, (m) =>
      endpoints.updateEndpoint(m, id, input),
    );
    await syncProbeSchedule(context.queues.probes, updated, previousIntervalSeconds);
    if (input.sla?.latencyThresholdMs != null) {
      // Rollups count samples over the threshold: a new threshold recomputes the whole history.
      const from = new Date(Date.now() - context.config.telemetry.retentionDays * 86_400_000);
      await enqueueRollups(context.queues.rollups, updated.tenantId, [
        { endpointId: updated.id, from, to: new Date() },
      ]);
    }
    return toEndpointType(updated);
  }

  @Authorized('admin')
  @Mutation(() => EndpointType, {
    description: 'Stops probing and hides it from lists; its history stays.',
  })
  async archiveEndpoint(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<EndpointType> {
    const archived = await this.inTenant(context, (m) => endpoints.archiveEndpoint(m, id));
    await syncProbeSchedule(context.queues.probes, archived);
    return toEndpointType(archived);
  }

  private inTenant<T>(
    context: RequestContext,
    work: Parameters<typeof withTenant<T>>[2],
  ): Promise<T> {
    return withTenant(context.dataSource, tenantIdOf(context), work);
  }
}

const SLA_PROPERTIES = [
  'latencyThresholdMs',
  'latencyPercentile',
  'errorRateThreshold',
  'windowMinutes',
  'availabilityTarget',
];

/** The endpoint properties a query asks for at `path`; every one when there is no query info. */
function askedProperties(info: GraphQLResolveInfo | undefined, path: string[] = []): string[] {
  if (!info) return ['*'];
  return [...selectedFields(info, path)].flatMap((field) =>
    field === 'sla' ? SLA_PROPERTIES : [field],
  );
}
