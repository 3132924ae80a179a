import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { MaintenanceWindow } from '../entities/maintenance-window.entity';
import { BadInputError, NotFoundError } from '../errors/app-errors';
import { getEndpoint } from '../services/endpoints';
import { isUuid } from '../services/ids';
import { withTenant } from '../tenancy/with-tenant';

// The exported calls each run in one tenant transaction (withTenant); the others take a manager
// from one: RLS limits them to that tenant.

/** A window longer than this is a mistake more often than a plan. */
const MAX_DAYS = 31;

export interface MaintenanceInput {
  /** Null or absent: the whole tenant. */
  endpointId?: string | null;
  startsAt: Date;
  endsAt: Date;
  reason?: string | null;
}

/**
 * Puts an endpoint (or the whole tenant) in maintenance over [startsAt, endsAt): its minutes then
 * count neither for nor against availability, and no notification is sent.
 */
async function scheduleIn(
  manager: EntityManager,
  tenantId: string,
  input: MaintenanceInput,
): Promise<MaintenanceWindow> {
  if (input.endpointId) await getEndpoint(manager, input.endpointId);
  if (!(input.endsAt.getTime() > input.startsAt.getTime()))
    throw new BadInputError([{ field: 'endsAt', message: 'must be after startsAt' }]);
  if (input.endsAt.getTime() - input.startsAt.getTime() > MAX_DAYS * 86_400_000)
    throw new BadInputError([
      { field: 'endsAt', message: `at most ${MAX_DAYS} days after startsAt` },
    ]);
  const window = await manager.save(
    manager.create(MaintenanceWindow, {
      tenantId,
      id: crypto.randomUUID(),
      endpointId: input.endpointId ?? null,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      reason: input.reason ?? '',
    }),
  );
  return window;
}

/** Removes a window (planned or past); its minutes count again. NOT_FOUND for others' ids. */
async function cancelIn(manager: EntityManager, id: string): Promise<MaintenanceWindow> {
  const window = isUuid(id) ? await manager.findOneBy(MaintenanceWindow, { id }) : null;
  if (!window) throw new NotFoundError('Maintenance window', id);
  await manager.delete(MaintenanceWindow, { tenantId: window.tenantId, id });
  return window;
}

/** One page, latest start first, keyset-paginated after the window `afterId`. */
async function listIn(
  manager: EntityManager,
  options: { first: number; afterId?: string; endpointId?: string | null; activeAt?: Date },
): Promise<{ windows: MaintenanceWindow[]; hasNextPage: boolean }> {
  const query = manager
    .createQueryBuilder(MaintenanceWindow, 'w')
    .orderBy('w.starts_at', 'DESC')
    .addOrderBy('w.id', 'DESC')
    .limit(options.first + 1);
  if (options.endpointId) {
    await getEndpoint(manager, options.endpointId);
    query.andWhere('(w.endpoint_id = :endpointId or w.endpoint_id is null)', {
      endpointId: options.endpointId,
    });
  }
  if (options.activeAt)
    query.andWhere('w.starts_at <= :at and w.ends_at > :at', { at: options.activeAt });
  if (options.afterId) {
    if (!(await manager.existsBy(MaintenanceWindow, { id: options.afterId })))
      throw new BadInputError([{ field: 'after', message: 'is not a cursor this API gave out' }]);
    query.andWhere(
      '(w.starts_at, w.id) < (select a.starts_at, a.id from maintenance_windows a where a.id = :afterId)',
      { afterId: options.afterId },
    );
  }
  const rows = await query.getMany();
  return { windows: rows.slice(0, options.first), hasNextPage: rows.length > options.first };
}

/** The endpoints of `endpointIds` in maintenance at `at` (their own window or the tenant's). */
export async function inMaintenance(
  manager: EntityManager,
  endpointIds: string[],
  at: Date,
): Promise<Set<string>> {
  if (endpointIds.length === 0) return new Set();
  const rows: Array<{ endpoint_id: string }> = await manager.query(
    `select e.id as endpoint_id from unnest($1::uuid[]) as e(id)
      where exists (select 1 from maintenance_windows w
                     where (w.endpoint_id = e.id or w.endpoint_id is null)
                       and w.starts_at <= $2 and w.ends_at > $2)`,
    [endpointIds, at],
  );
  return new Set(rows.map((r) => r.endpoint_id));
}

/**
 * Puts an endpoint (or the whole tenant) in maintenance over [startsAt, endsAt): its minutes then
 * count neither for nor against availability, and no notification is sent.
 */
export function scheduleMaintenance(
  dataSource: DataSource,
  tenantId: string,
  input: MaintenanceInput,
): Promise<MaintenanceWindow> {
  return withTenant(dataSource, tenantId, (m) => scheduleIn(m, tenantId, input));
}

/** Removes a window (planned or past); its minutes count again. NOT_FOUND for others' ids. */
export function cancelMaintenance(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<MaintenanceWindow> {
  return withTenant(dataSource, tenantId, (m) => cancelIn(m, id));
}

/** One page of windows, latest start first (see listIn). */
export function listMaintenance(
  dataSource: DataSource,
  tenantId: string,
  options: Parameters<typeof listIn>[1],
): Promise<{ windows: MaintenanceWindow[]; hasNextPage: boolean }> {
  return withTenant(dataSource, tenantId, (m) => listIn(m, options));
}
