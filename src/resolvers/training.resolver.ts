import {
  Arg,
  Authorized,
  Ctx,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import { toTrainingJobType, toTrainingProgress } from '../schema/intelligence-mappers';
import { TrainModelInput } from '../schema/training.inputs';
import { TrainingJobType, TrainingProgress } from '../schema/training.types';
import { requireScope } from '../tenancy/auth-checker';
import { ForbiddenError } from '../errors/app-errors';
import { ModelScope } from '../schema/model.types';
import { modelScopeOf, type RequestContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { followTraining } from '../training/follow-training';
import type { TrainingEvent } from '../training/training-events';
import { cancelTraining, getTrainingJob, requestTraining } from '../training/training-jobs';

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
  @Query(() => TrainingJobType)
  async trainingJob(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<TrainingJobType> {
    return toTrainingJobType(
      await withTenant(context.dataSource, modelScopeOf(context), (m) => getTrainingJob(m, id)),
    );
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
