import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType()
export class FeatureContributionType {
  @Field()
  name!: string;

  @Field(() => Float, { description: "The feature's value this minute." })
  value!: number;

  @Field(() => Float, {
    description: 'Probability minus the probability with this feature at its training mean.',
  })
  contribution!: number;
}

@ObjectType()
export class Risk {
  @Field(() => ID)
  endpointId!: string;

  @Field({ description: 'The minute scored (the latest complete minute with data).' })
  minute!: Date;

  @Field(() => Float, {
    description: 'Probability that a breach episode starts within horizonMinutes.',
  })
  probability!: number;

  @Field(() => Int)
  horizonMinutes!: number;

  @Field(() => Float)
  threshold!: number;

  @Field()
  aboveThreshold!: boolean;

  @Field(() => ID)
  modelId!: string;

  @Field(() => Int)
  modelVersion!: number;

  @Field(() => [FeatureContributionType], {
    description:
      'The features that moved this probability most. Empty when the probability stayed under 80% of the threshold without crossing it: explanations are computed for the predictions that matter.',
  })
  topFeatures!: FeatureContributionType[];
}

@ObjectType({ description: "An endpoint's risk crossed its model's alert threshold." })
export class RiskChange {
  @Field(() => ID)
  endpointId!: string;

  @Field()
  minute!: Date;

  @Field(() => Float)
  probability!: number;

  @Field(() => Float)
  threshold!: number;

  @Field()
  aboveThreshold!: boolean;

  @Field(() => Int)
  horizonMinutes!: number;

  @Field(() => ID)
  modelId!: string;

  @Field(() => Int)
  modelVersion!: number;
}

@ObjectType()
export class ForecastPoint {
  @Field()
  minute!: Date;

  @Field(() => Float)
  probability!: number;

  @Field({ description: 'The SLA was breached this minute.' })
  breached!: boolean;

  @Field({ description: 'A breach episode started this minute.' })
  onset!: boolean;
}

@ObjectType({
  description:
    'The risk the active model gives over a past range (a backtest), beside the actual breaches.',
})
export class Forecast {
  @Field(() => ID)
  endpointId!: string;

  @Field(() => ID)
  modelId!: string;

  @Field(() => Int)
  modelVersion!: number;

  @Field(() => Float)
  threshold!: number;

  @Field(() => Int)
  horizonMinutes!: number;

  @Field(() => [ForecastPoint])
  points!: ForecastPoint[];
}
