import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum RiskLevel {
  BELOW = 'BELOW',
  NEAR = 'NEAR',
  ABOVE = 'ABOVE',
}
registerEnumType(RiskLevel, {
  name: 'RiskLevel',
  description:
    "A probability against its model's alert threshold: ABOVE (at or over it: alerting), NEAR (from the alert's re-arm level, half the threshold, up to it: an alert already raised still stands), BELOW (under the re-arm level: the only level to colour as healthy).",
});

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
    nullable: true,
    description:
      'Calibrated probability (0-1) that a breach episode starts within horizonMinutes. Null when the minute stands on too little data to forecast (insufficientData says why).',
  })
  probability!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'The same probability as a percentage (0-100); null with probability.',
  })
  percent!: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Why there is no probability this minute, e.g. "only 1 sample in the last 15 minutes (at least 38 needed)".',
  })
  insufficientData!: string | null;

  @Field(() => RiskLevel, {
    nullable: true,
    description:
      'Where the probability stands against the alert threshold: ABOVE it, NEAR (at least half of it), BELOW. Null with probability.',
  })
  level!: RiskLevel | null;

  @Field(() => Int)
  horizonMinutes!: number;

  @Field(() => Float, { description: 'The alert threshold, on the same calibrated scale.' })
  threshold!: number;

  @Field()
  aboveThreshold!: boolean;

  @Field(() => [String], {
    description:
      'What moved the probability, in words: "p95 latency now 85% of the 300 ms SLA", "error rate 3.0x its usual for this hour".',
  })
  explanations!: string[];

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

  @Field(() => Float, {
    nullable: true,
    description: 'Calibrated probability; null when the minute stands on too little data.',
  })
  probability!: number | null;

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

  @Field(() => Float, {
    description:
      'Calibrated probability (0-1) that a breach episode starts within horizonMinutes, as the model gave it then. 0 for a minute that stood on too little data to forecast (insufficientData says why): such a minute never alerts.',
  })
  probability!: number;

  @Field(() => String, {
    nullable: true,
    description:
      'Why this minute had too little data to forecast (its probability is 0), e.g. the first minute after a gap; null otherwise.',
  })
  insufficientData!: string | null;

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
