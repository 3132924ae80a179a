import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { GLOBAL_SCOPE_ID } from '../entities/tenant.entity';
import { toModelType } from '../schema/intelligence-mappers';
import { ModelConnection, ModelScope, ModelType } from '../schema/model.types';
import {
  assertPageSize,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
} from '../schema/pagination';
import { findModel, listModels, promote, rollback } from '../services/models';
import { modelScopeOf, tenantIdOf, type RequestContext } from '../tenancy/context';

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
    const page = await listModels(context.dataSource, modelScopeOf(context), {
      scopeId,
      first,
      afterId,
    });
    const edges = page.models.map((m) => ({
      cursor: encodeCursor('model', m.id),
      node: toModelType(m),
    }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Authorized('read', 'platform')
  @Query(() => ModelType, { description: "One of the caller's models, or a global one." })
  async model(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<ModelType> {
    return toModelType(await findModel(context.dataSource, modelScopeOf(context), id));
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
    return toModelType(await promote(context.dataSource, modelScopeOf(context), id));
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
    return toModelType(
      await rollback(context.dataSource, modelScopeOf(context), scope === ModelScope.GLOBAL),
    );
  }
}
