import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Model } from '../entities/model.entity';
import { ConflictError } from '../errors/app-errors';
import { toModelType } from '../schema/intelligence-mappers';
import { ModelConnection, ModelScope, ModelType } from '../schema/model.types';
import { assertPageSize, decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../schema/pagination';
import { tenantIdOf, type RequestContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { getModel, promoteModel, rollbackModel } from '../training/model-registry';

@Resolver()
export class ModelResolver {
  @Authorized('read')
  @Query(() => ModelConnection, {
    description: 'Models of a scope, newest version first. GLOBAL holds the platform model once one is trained.',
    complexity: ({ args, childComplexity }) => 1 + childComplexity * Number(args.first ?? DEFAULT_PAGE_SIZE),
  })
  async models(
    @Ctx() context: RequestContext,
    @Arg('scope', () => ModelScope, { defaultValue: ModelScope.TENANT }) scope: ModelScope,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE_SIZE }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<ModelConnection> {
    assertPageSize(first);
    const afterId = after ? decodeCursor('model', after) : undefined;
    if (scope === ModelScope.GLOBAL) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
    const rows = await withTenant(context.dataSource, tenantIdOf(context), async (manager) => {
      const query = manager.createQueryBuilder(Model, 'm').orderBy('m.version', 'DESC').take(first + 1);
      // A cursor of another tenant names no visible row, so the subquery is null and nothing matches.
      if (afterId) query.where('m.version < (select version from models where id = :afterId)', { afterId });
      return query.getMany();
    });
    const edges = rows.slice(0, first).map((m) => ({ cursor: encodeCursor('model', m.id), node: toModelType(m) }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Authorized('read')
  @Query(() => ModelType)
  async model(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<ModelType> {
    return toModelType(await withTenant(context.dataSource, tenantIdOf(context), (m) => getModel(m, id)));
  }

  @Authorized('admin')
  @Mutation(() => ModelType, { description: 'Makes a model ACTIVE (a candidate, or a retired one), retiring the active one.' })
  async promoteModel(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<ModelType> {
    const tenantId = tenantIdOf(context);
    return toModelType(await withTenant(context.dataSource, tenantId, (m) => promoteModel(m, tenantId, id)));
  }

  @Authorized('admin')
  @Mutation(() => ModelType, { description: 'Retires the active model and reactivates the one active before it; returns that one.' })
  async rollbackModel(
    @Ctx() context: RequestContext,
    @Arg('scope', () => ModelScope, { defaultValue: ModelScope.TENANT }) scope: ModelScope,
  ): Promise<ModelType> {
    if (scope === ModelScope.GLOBAL) throw new ConflictError('There is no active global model to roll back.');
    const tenantId = tenantIdOf(context);
    return toModelType(await withTenant(context.dataSource, tenantId, (m) => rollbackModel(m, tenantId)));
  }
}
