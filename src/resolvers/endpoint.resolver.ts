import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Ctx, ID, Info, Int, Mutation, Query, Resolver } from 'type-graphql';
import { endpointJobs } from '../jobs/endpoint-jobs';
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
import { readEndpointPage, readEndpointRow } from '../services/endpoint-rows';
import * as endpoints from '../services/endpoints';
import { selectedFields } from '../schema/selected-fields';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

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
    const page = await readEndpointPage(
      context.dataSource,
      tenantIdOf(context),
      { first, afterId, includeArchived: includeArchived ?? false },
      askedProperties(info, ['edges', 'node']),
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
    const row = await readEndpointRow(
      context.dataSource,
      tenantIdOf(context),
      id,
      askedProperties(info),
    );
    return toEndpointType(row as Endpoint);
  }

  @Authorized('admin')
  @Mutation(() => EndpointType)
  async createEndpoint(
    @Arg('input') input: CreateEndpointInput,
    @Ctx() context: RequestContext,
  ): Promise<EndpointType> {
    const created = await endpoints.createEndpointAndSchedule(
      endpointDeps(context),
      tenantIdOf(context),
      input,
    );
    return toEndpointType(created);
  }

  @Authorized('admin')
  @Mutation(() => EndpointType)
  async updateEndpoint(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateEndpointInput,
    @Ctx() context: RequestContext,
  ): Promise<EndpointType> {
    const updated = await endpoints.updateEndpointAndSchedule(
      endpointDeps(context),
      tenantIdOf(context),
      id,
      input,
    );
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
    const archived = await endpoints.archiveEndpointAndUnschedule(
      endpointDeps(context),
      tenantIdOf(context),
      id,
    );
    return toEndpointType(archived);
  }
}

function endpointDeps(context: RequestContext): endpoints.EndpointDeps {
  return {
    dataSource: context.dataSource,
    jobs: endpointJobs(context.queues),
    retentionDays: context.config.telemetry.retentionDays,
  };
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
