import type { DataSource } from 'typeorm';
import { Model } from '../entities/model.entity';
import { GLOBAL_SCOPE_ID } from '../entities/tenant.entity';
import { ForbiddenError } from '../errors/app-errors';
import { withTenant } from '../tenancy/with-tenant';
import { getModel, promoteModel, rollbackModel } from '../training/model-registry';

// `actingScope` is the caller's registry scope: its tenant, or for a platform key the global
// scope. The transaction runs as it, so RLS decides which models are visible at all.

/** One page of a scope's models, newest version first, after the model `afterId`. */
export async function listModels(
  dataSource: DataSource,
  actingScope: string,
  options: { scopeId: string; first: number; afterId?: string },
): Promise<{ models: Model[]; hasNextPage: boolean }> {
  const rows = await withTenant(dataSource, actingScope, async (manager) => {
    const query = manager
      .createQueryBuilder(Model, 'm')
      .where('m.tenantId = :scopeId', { scopeId: options.scopeId })
      .orderBy('m.version', 'DESC')
      .take(options.first + 1);
    // A cursor of another tenant names no visible row, so the subquery is null and nothing matches.
    if (options.afterId)
      query.andWhere('m.version < (select version from models where id = :afterId)', {
        afterId: options.afterId,
      });
    return query.getMany();
  });
  return { models: rows.slice(0, options.first), hasNextPage: rows.length > options.first };
}

export async function findModel(
  dataSource: DataSource,
  actingScope: string,
  id: string,
): Promise<Model> {
  return withTenant(dataSource, actingScope, (manager) => getModel(manager, id));
}

export async function promote(
  dataSource: DataSource,
  actingScope: string,
  id: string,
): Promise<Model> {
  return withTenant(dataSource, actingScope, (manager) => promoteModel(manager, actingScope, id));
}

/** `global` is the scope the caller named: it must be the one its key acts on. */
export async function rollback(
  dataSource: DataSource,
  actingScope: string,
  global: boolean,
): Promise<Model> {
  if (global !== (actingScope === GLOBAL_SCOPE_ID))
    throw new ForbiddenError('GLOBAL with a platform key, TENANT with a tenant key.');
  return withTenant(dataSource, actingScope, (manager) => rollbackModel(manager, actingScope));
}
