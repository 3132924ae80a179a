import { IsOptional, Length, Matches, Max, Min } from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { CreatedApiKey } from './api-key.types';

@ObjectType('Tenant')
export class TenantType {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'URL-safe name, unique across the platform; used by /status/<slug>.' })
  slug!: string;

  @Field()
  name!: string;

  @Field()
  createdAt!: Date;

  @Field({ description: 'Its status page is served at /status/<slug> (public endpoints only).' })
  statusPagePublished!: boolean;

  @Field({
    description:
      'Contributes anonymised features to the global model (it receives the global model either way).',
  })
  contributesToGlobal!: boolean;

  @Field(() => [String], {
    description: 'New model kinds and features switched on for it (Tenant0 gets them first).',
  })
  featureFlags!: string[];

  @Field(() => Float, {
    description:
      'False alerts per endpoint-day accepted from a model (default 1): a model is promoted automatically only within it, and a served model whose live false alerts over the last day exceed it stops alerting (the burn-rate alert takes over).',
  })
  falseAlertBudget!: number;

  @Field({ description: 'Retrains on a schedule, through the promotion gate (default on).' })
  autoRetrain!: boolean;

  @Field(() => Int, { description: 'Days between scheduled retrainings (default 7).' })
  retrainEveryDays!: number;
}

@InputType({ description: 'Forecast settings; omitted fields stay as they are.' })
export class ForecastSettingsInput {
  @Field(() => Float, { nullable: true })
  @IsOptional()
  @Min(0.01)
  @Max(100)
  falseAlertBudget?: number;

  @Field({ nullable: true })
  @IsOptional()
  autoRetrain?: boolean;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Min(1)
  @Max(90)
  retrainEveryDays?: number;
}

@InputType()
export class CreateTenantInput {
  @Field()
  @Matches(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
    message: 'slug must be 1-40 lowercase letters, digits or inner hyphens',
  })
  slug!: string;

  @Field()
  @Length(1, 200)
  name!: string;
}

@ObjectType()
export class CreatedTenant {
  @Field(() => TenantType)
  tenant!: TenantType;

  @Field(() => CreatedApiKey, { description: "The new tenant's first admin key." })
  adminKey!: CreatedApiKey;
}
