import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { TRAINING_STATES } from '../training/training-events';
import { ModelEvaluation } from './model.types';

export enum TrainingState {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(TrainingState, { name: 'TrainingState' });
// The GraphQL enum and the stored states must not drift apart.
if (TRAINING_STATES.some((s) => !(s in TrainingState)))
  throw new Error('TrainingState enum is out of date');

@ObjectType({ description: 'One step of a training job. `seq` numbers them from 1 (QUEUED).' })
export class TrainingProgress {
  @Field(() => ID)
  jobId!: string;

  @Field(() => Int)
  seq!: number;

  @Field(() => TrainingState)
  state!: TrainingState;

  @Field()
  at!: Date;

  @Field(() => Int, {
    description: 'Which run of the job this is (a job is retried once if its worker dies).',
  })
  attempt!: number;

  @Field(() => Int)
  maxEpochs!: number;

  @Field(() => Int, { nullable: true })
  epoch!: number | null;

  @Field(() => Float, { nullable: true })
  loss!: number | null;

  @Field(() => Float, { nullable: true })
  validationLoss!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'PR-AUC of this epoch on the validation minutes.',
  })
  validationPrAuc!: number | null;

  @Field(() => ID, { nullable: true, description: 'COMPLETED: the new model.' })
  modelId!: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'COMPLETED: whether the new model became ACTIVE.',
  })
  promoted!: boolean | null;

  @Field(() => ModelEvaluation, {
    nullable: true,
    description: 'COMPLETED: the held-out evaluation.',
  })
  evaluation!: ModelEvaluation | null;

  @Field(() => String, { nullable: true, description: 'FAILED or CANCELLED: why.' })
  reason!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'RUNNING: COMPUTING_FEATURES (reading the data, before epoch 1), then TRAINING (each epoch).',
  })
  phase!: string | null;
}

@ObjectType('TrainingJob')
export class TrainingJobType {
  @Field(() => ID)
  id!: string;

  @Field(() => TrainingState)
  state!: TrainingState;

  @Field(() => Int)
  horizonMinutes!: number;

  @Field(() => Int)
  maxEpochs!: number;

  @Field(() => Int)
  windowDays!: number;

  @Field(() => Int)
  attempt!: number;

  @Field({ description: 'A cancel was asked for and the worker is stopping the run.' })
  cancelRequested!: boolean;

  @Field(() => TrainingProgress, {
    description: 'The latest event, as trainingProgress would send it first.',
  })
  progress!: TrainingProgress;

  @Field(() => [TrainingProgress], {
    description:
      'Every event of the job in order, from QUEUED (a client that polls sees every epoch). Only the latest carries the evaluation.',
  })
  events!: TrainingProgress[];

  @Field(() => ID, { nullable: true })
  modelId!: string | null;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}
