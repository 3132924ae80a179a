import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Model } from '../entities/model.entity';
import { GLOBAL_SCOPE_ID } from '../entities/tenant.entity';
import { ForbiddenError } from '../errors/app-errors';
import { toModelType } from '../schema/intelligence-mappers';
import { ModelConnection, ModelScope, ModelType } from '../schema/model.types';
import {
  assertPageSize,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
} from '../schema/pagination';
import { modelScopeOf, tenantIdOf, type RequestContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { getModel, promoteModel, rollbackModel } from '../training/model-registry';

@Resolver()
export class ModelResolver {
  @Authorized('read', 'platform')
  @Query(() => ModelConnection, {
    description:
      'Models of a scope, newest version first. GLOBAL holds the platform model once one is trained.',
    complexity: ({ args, childComplexity }) =>
      1 + childComplexity * Number(args.first ?? DEFAULT_PAGE_SIZE),
  })
  async models(
    @Ctx() context: RequestContext,
    @Arg('scope', () => ModelScope, { defaultValue: ModelScope.TENANT }) scope: ModelScope,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE_SIZE }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<ModelConnection> {
    assertPageSize(first);
    const afterId = after ? decodeCursor('model', after) : undefined;
    const scopeId = scope === ModelScope.GLOBAL ? GLOBAL_SCOPE_ID : tenantIdOf(context);
    const rows = await withTenant(context.dataSource, modelScopeOf(context), async (manager) => {
      const query = manager
        .createQueryBuilder(Model, 'm')
        .where('m.tenantId = :scopeId', { scopeId })
        .orderBy('m.version', 'DESC')
        .take(first + 1);
      // A cursor of another tenant names no visible row, so the subquery is null and nothing matches.
      if (afterId)
        query.andWhere('m.version < (select version from models where id = :afterId)', { afterId });
      return query.getMany();
    });
    const edges = rows
      .slice(0, first)
      .map((m) => ({ cursor: encodeCursor('model', m.id), node: toModelType(m) }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Authorized('read', 'platform')
  @Query(() => ModelType, { description: "One of the caller's models, or a global one." })
  async model(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<ModelType> {
    return toModelType(
      await withTenant(context.dataSource, modelScopeOf(context), (m) => getModel(m, id)),
    );
  }

  @Authorized('admin', 'platform')
  @Mutation(() => ModelType, {
    description:
      'Makes a model of your scope ACTIVE (a candidate, or a retired one), retiring the active one. Platform keys act on the global scope.',
  })
  async promoteModel(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<ModelType> {
    const scopeId = modelScopeOf(context);
    return toModelType(
      await withTenant(context.dataSource, scopeId, (m) => promoteModel(m, scopeId, id)),
    );
  }

  @Authorized('admin', 'platform')
  @Mutation(() => ModelType, {
    description:
      'Retires the active model of the scope and reactivates the one active before it; returns that one. Again, it goes further back. GLOBAL needs a platform key.',
  })
  async rollbackModel(
    @Ctx() context: RequestContext,
    @Arg('scope', () => ModelScope, { defaultValue: ModelScope.TENANT }) scope: ModelScope,
  ): Promise<ModelType> {
    const scopeId = modelScopeOf(context);
    if ((scope === ModelScope.GLOBAL) !== (scopeId === GLOBAL_SCOPE_ID))
      throw new ForbiddenError('GLOBAL with a platform key, TENANT with a tenant key.');
    return toModelType(
      await withTenant(context.dataSource, scopeId, (m) => rollbackModel(m, scopeId)),
    );
  }
}
