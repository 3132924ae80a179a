import { ArrayMaxSize, ArrayMinSize, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
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
  @Min(5)
  @Max(120)
  horizonMinutes!: number;

  @Field(() => Int, {
    defaultValue: 40,
    description: 'At most this many epochs (1 to 200); early stopping may end sooner.',
  })
  @IsInt()
  @Min(1)
  @Max(200)
  epochs!: number;

  @Field(() => Int, {
    defaultValue: 28,
    description: 'Train on the last this many days of rollups (2 to 90).',
  })
  @IsInt()
  @Min(2)
  @Max(90)
  windowDays!: number;

  @Field(() => [ID], {
    nullable: true,
    description: 'Train on these endpoints only (default: every active endpoint).',
  })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  endpointIds?: string[] | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Fix the seed for a reproducible run (same data, same model).',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  seed?: number | null;

  @Field({
    defaultValue: true,
    description:
      'Make the new model ACTIVE if it beats the active one on the same held-out minutes.',
  })
  autoPromote!: boolean;
}
