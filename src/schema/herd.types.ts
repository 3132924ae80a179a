import { Field, Float, ObjectType } from 'type-graphql';
import { ModelAlertEvaluation, ModelScope, ModelType } from './model.types';

@ObjectType({
  description:
    "The tenant's own model against the global model, on the tenant's own held-out minutes.",
})
export class ModelComparison {
  @Field(() => ModelScope, {
    nullable: true,
    description: 'Which one scores this tenant now (null: no model yet).',
  })
  serving!: ModelScope | null;

  @Field()
  why!: string;

  @Field(() => ModelType, { nullable: true })
  tenantModel!: ModelType | null;

  @Field(() => ModelType, { nullable: true })
  globalModel!: ModelType | null;

  @Field(() => ModelAlertEvaluation, {
    nullable: true,
    description: "The tenant model's alert on its held-out minutes.",
  })
  tenantMetrics!: ModelAlertEvaluation | null;

  @Field(() => ModelAlertEvaluation, {
    nullable: true,
    description:
      "The global model's alert on the same minutes (once the tenant has trained with it active).",
  })
  globalMetrics!: ModelAlertEvaluation | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "How far the tenant's features sit from the aggregate's: mean over features of |tenant mean - aggregate median|, in the aggregate's scale units.",
  })
  featureDistance!: number | null;

  @Field({
    description:
      "Which alert pages you now: MODEL (the serving model's BREACH_PREDICTED), or BURN_RATE when the serving guard holds the model back (its live false alerts over the last day exceed your falseAlertBudget, or the global model has not yet had a full day of your data). The model keeps scoring either way.",
  })
  alerting!: string;

  @Field()
  alertingWhy!: string;

  @Field(() => Float, {
    nullable: true,
    description:
      "The serving model's false alerts per endpoint-day over the last day (null: less than a day of predictions).",
  })
  liveFalseAlertsPerEndpointDay!: number | null;
}
