import { ArrayMaxSize, ArrayMinSize, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { TRAINING_LIMITS as LIMITS } from '../training/training-request';
import { ModelScope } from './model.types';

@InputType({ description: 'What to train. Ranges are checked before anything is queued.' })
export class TrainModelInput {
  @Field(() => ModelScope, {
    defaultValue: ModelScope.TENANT,
    description:
      "TENANT (a tenant key): the tenant's model. GLOBAL (a platform key): the global model, from the anonymised aggregate.",
  })
  scope!: ModelScope;

  @Field(() => Int, {
    defaultValue: 15,
    description: 'Forecast a breach onset within this many minutes (5 to 120).',
  })
  @IsInt()
  @Min(LIMITS.horizonMinutes.min)
  @Max(LIMITS.horizonMinutes.max)
  horizonMinutes!: number;

  @Field(() => Int, {
    defaultValue: 40,
    description: 'At most this many epochs (1 to 200); early stopping may end sooner.',
  })
  @IsInt()
  @Min(LIMITS.epochs.min)
  @Max(LIMITS.epochs.max)
  epochs!: number;

  @Field(() => Int, {
    defaultValue: 28,
    description: 'Train on the last this many days of rollups (2 to 90).',
  })
  @IsInt()
  @Min(LIMITS.windowDays.min)
  @Max(LIMITS.windowDays.max)
  windowDays!: number;

  @Field(() => [ID], {
    nullable: true,
    description: 'Train on these endpoints only (default: every active endpoint).',
  })
  @IsOptional()
  @ArrayMinSize(LIMITS.endpointIds.min)
  @ArrayMaxSize(LIMITS.endpointIds.max)
  @IsUUID('all', { each: true })
  endpointIds?: string[] | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Fix the seed for a reproducible run (same data, same model).',
  })
  @IsOptional()
  @IsInt()
  @Min(LIMITS.seed.min)
  @Max(LIMITS.seed.max)
  seed?: number | null;

  @Field({
    defaultValue: true,
    description:
      'Make the new model ACTIVE if it beats the active one on the same held-out minutes.',
  })
  autoPromote!: boolean;
}
