import {
  Arg,
  Authorized,
  Ctx,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import { toTrainingJobType, toTrainingProgress } from '../schema/intelligence-mappers';
import { TrainModelInput } from '../schema/training.inputs';
import {
  assertPageSize,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
} from '../schema/pagination';
import { TrainingJobConnection } from '../schema/training-job-connection';
import { TrainingJobType, TrainingProgress, TrainingState } from '../schema/training.types';
import { requireScope } from '../tenancy/auth-checker';
import { ForbiddenError } from '../errors/app-errors';
import { ModelScope } from '../schema/model.types';
import { modelScopeOf, type RequestContext } from '../tenancy/context';
import { followTraining } from '../training/follow-training';
import type { TrainingEvent } from '../training/training-events';
import { readTrainingJobs } from '../training/training-job-list';
import { cancelTraining, readTrainingJob, requestTraining } from '../training/training-jobs';

@Resolver()
export class TrainingResolver {
  @Authorized('admin', 'platform')
  @Mutation(() => TrainingJobType, {
    description:
      'Queues a training run and returns at once (state QUEUED); follow it with trainingProgress.',
  })
  async trainModel(
    @Arg('input', () => TrainModelInput) input: TrainModelInput,
    @Ctx() context: RequestContext,
  ): Promise<TrainingJobType> {
    const global = input.scope === ModelScope.GLOBAL;
    if (global !== (context.principal?.kind === 'platform')) {
      throw new ForbiddenError(
        global
          ? 'Only a platform key trains the global model.'
          : 'Train a tenant model with a tenant admin key.',
      );
    }
    const job = await requestTraining(
      context.dataSource,
      context.queues.training,
      modelScopeOf(context),
      {
        scope: global ? 'GLOBAL' : 'TENANT',
        horizonMinutes: input.horizonMinutes,
        epochs: input.epochs,
        windowDays: input.windowDays,
        endpointIds: input.endpointIds ?? null,
        seed: input.seed ?? null,
        autoPromote: input.autoPromote,
      },
      context.config.limits.maxQueuedTrainingPerTenant,
    );
    return toTrainingJobType(job);
  }

  @Authorized('admin', 'platform')
  @Mutation(() => TrainingJobType, {
    description:
      'Cancels a queued job at once, or stops a running one (it ends CANCELLED). A finished job is CONFLICT.',
  })
  async cancelTrainingJob(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<TrainingJobType> {
    return toTrainingJobType(
      await cancelTraining(
        context.dataSource,
        context.channels,
        context.queues.training,
        modelScopeOf(context),
        id,
      ),
    );
  }

  @Authorized('read', 'platform')
  @Query(() => TrainingJobConnection, {
    description:
      'Training jobs of your scope (the global one for a platform key), newest first; optionally only those in one state.',
    complexity: ({ args, childComplexity }) =>
      1 + childComplexity * Number(args.first ?? DEFAULT_PAGE_SIZE),
  })
  async trainingJobs(
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE_SIZE }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('state', () => TrainingState, { nullable: true }) state?: TrainingState | null,
  ): Promise<TrainingJobConnection> {
    assertPageSize(first);
    const afterId = after ? decodeCursor('training-job', after) : undefined;
    const rows = await readTrainingJobs(context.dataSource, modelScopeOf(context), {
      first,
      afterId,
      state: state ?? undefined,
    });
    const edges = rows.slice(0, first).map((job) => ({
      cursor: encodeCursor('training-job', job.id),
      node: toTrainingJobType(job),
    }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Authorized('read', 'platform')
  @Query(() => TrainingJobType)
  async trainingJob(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<TrainingJobType> {
    return toTrainingJobType(await readTrainingJob(context.dataSource, modelScopeOf(context), id));
  }

  @Subscription(() => TrainingProgress, {
    description:
      "A job's progress: its current state first, then every event in order, ending with COMPLETED, FAILED or CANCELLED.",
    subscribe: async ({
      args,
      context,
    }: SubscribeResolverData<unknown, { jobId: string }, RequestContext>) => {
      // @Authorized guards resolving each event; the subscription itself is checked here, once.
      requireScope(context, ['read', 'platform']);
      return followTraining(
        context.dataSource,
        context.channels,
        modelScopeOf(context),
        args.jobId,
      );
    },
  })
  trainingProgress(
    @Root() event: TrainingEvent,
    @Arg('jobId', () => ID) _jobId: string,
  ): TrainingProgress {
    return toTrainingProgress(event);
  }
}
