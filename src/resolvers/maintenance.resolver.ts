import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { EndpointIncident } from '../entities/endpoint-incident.entity';
import type { MaintenanceWindow } from '../entities/maintenance-window.entity';
import { enqueueWebhookEvent } from '../jobs/webhook-jobs';
import { acknowledgeIncident } from '../notifications/incidents';
import * as maintenance from '../notifications/maintenance';
import {
  IncidentType,
  MaintenanceWindowConnection,
  MaintenanceWindowType,
  ScheduleMaintenanceInput,
} from '../schema/maintenance.types';
import {
  assertPageSize,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
} from '../schema/pagination';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

const toWindowType = (w: MaintenanceWindow): MaintenanceWindowType => ({
  id: w.id,
  endpointId: w.endpointId,
  startsAt: w.startsAt,
  endsAt: w.endsAt,
  reason: w.reason,
  createdAt: w.createdAt,
});

const toIncidentType = (i: EndpointIncident): IncidentType => ({
  id: i.id,
  endpointId: i.endpointId,
  openedAt: i.openedAt,
  breachStartedAt: i.breachStartedAt,
  acknowledgedAt: i.acknowledgedAt,
  resolvedAt: i.resolvedAt,
});

@Resolver()
export class MaintenanceResolver {
  @Authorized('admin')
  @Mutation(() => MaintenanceWindowType, {
    description:
      'Puts an endpoint (or the whole tenant) in maintenance for a time range: no notifications, and its minutes do not count against availability.',
  })
  async scheduleMaintenance(
    @Arg('input', () => ScheduleMaintenanceInput) input: ScheduleMaintenanceInput,
    @Ctx() context: RequestContext,
  ): Promise<MaintenanceWindowType> {
    return toWindowType(
      await maintenance.scheduleMaintenance(context.dataSource, tenantIdOf(context), input),
    );
  }

  @Authorized('admin')
  @Mutation(() => MaintenanceWindowType, {
    description: 'Removes a maintenance window, planned or past: its minutes count again.',
  })
  async cancelMaintenance(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<MaintenanceWindowType> {
    return toWindowType(
      await maintenance.cancelMaintenance(context.dataSource, tenantIdOf(context), id),
    );
  }

  @Authorized('admin')
  @Query(() => MaintenanceWindowConnection, {
    description:
      "Maintenance windows, latest start first; with endpointId, that endpoint's and the tenant-wide ones.",
    complexity: ({ args, childComplexity }) =>
      1 + childComplexity * Number(args.first ?? DEFAULT_PAGE_SIZE),
  })
  async maintenanceWindows(
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE_SIZE }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('endpointId', () => ID, { nullable: true }) endpointId?: string | null,
    @Arg('activeAt', () => Date, {
      nullable: true,
      description: 'Only the windows in force at this time.',
    })
    activeAt?: Date | null,
  ): Promise<MaintenanceWindowConnection> {
    assertPageSize(first);
    const afterId = after ? decodeCursor('maintenance', after) : undefined;
    const page = await maintenance.listMaintenance(context.dataSource, tenantIdOf(context), {
      first,
      afterId,
      endpointId: endpointId ?? null,
      activeAt: activeAt ?? undefined,
    });
    const edges = page.windows.map((w) => ({
      cursor: encodeCursor('maintenance', w.id),
      node: toWindowType(w),
    }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Authorized('admin')
  @Mutation(() => IncidentType, {
    description:
      "Acknowledges the endpoint's open prediction (or breach): no repeat BREACH_PREDICTED for that episode, and PagerDuty webhooks acknowledge the incident. The onset and the recovery are still sent. CONFLICT when nothing is open.",
  })
  async acknowledgePrediction(
    @Arg('endpointId', () => ID) endpointId: string,
    @Ctx() context: RequestContext,
  ): Promise<IncidentType> {
    const tenantId = tenantIdOf(context);
    const incident = await acknowledgeIncident(context.dataSource, tenantId, endpointId);
    // PagerDuty acknowledges its incident too (after the commit; one delivery per incident).
    await enqueueWebhookEvent(
      context.dataSource,
      context.queues.webhooks,
      tenantId,
      'ACKNOWLEDGED',
      incident.id,
      { endpointId: incident.endpointId, incidentId: incident.id },
    );
    return toIncidentType(incident);
  }
}
