import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType()
export class TelemetryBucket {
  @Field()
  start!: Date;

  @Field(() => Int)
  sampleCount!: number;

  @Field(() => Int)
  errorCount!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'Over the successful samples only (errors count through errorCount); null when none succeeded.',
  })
  latencyP50!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Over the successful samples only (errors count through errorCount); null when none succeeded.',
  })
  latencyP95!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Over the successful samples only (errors count through errorCount); null when none succeeded.',
  })
  latencyP99!: number | null;

  @Field(() => Float, { nullable: true })
  latencyMax!: number | null;
}

@ObjectType({ description: 'The SLA window ending at the current minute.' })
export class SlaWindow {
  @Field(() => Int)
  sampleCount!: number;

  @Field(() => Float, { nullable: true })
  errorRate!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Share of the successful samples slower than the latency threshold (errors count through errorRate only).',
  })
  slowFraction!: number | null;
}

@ObjectType({
  description:
    'Burn rate = share of bad minutes in the window / (1 - availability target). Null without data.',
})
export class BurnRates {
  @Field(() => Float, { nullable: true })
  m5!: number | null;

  @Field(() => Float, { nullable: true })
  m30!: number | null;

  @Field(() => Float, { nullable: true })
  h1!: number | null;

  @Field(() => Float, { nullable: true })
  h6!: number | null;
}

@ObjectType({
  description:
    'A run of breached minutes; runs separated by fewer than windowMinutes good minutes are one episode (a flap is not a new incident).',
})
export class BreachEpisode {
  @Field({ description: 'The onset: first breached minute.' })
  start!: Date;

  @Field({ description: 'The last breached minute.' })
  end!: Date;

  @Field(() => Int, { description: 'Breached minutes in the episode.' })
  minutes!: number;
}

@ObjectType()
export class SlaStatus {
  @Field(() => ID)
  endpointId!: string;

  @Field({ description: 'The minute evaluated (the current one).' })
  evaluatedAt!: Date;

  @Field()
  breachedNow!: boolean;

  @Field(() => SlaWindow)
  current!: SlaWindow;

  @Field(() => Float)
  availabilityTarget!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Good minutes / minutes with data, last 30 days.',
  })
  availability30d!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Successful samples within the latency threshold / successful samples, last 30 days.',
  })
  latencyCompliance30d!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: '1 untouched, 0 spent, negative overspent (30 days).',
  })
  errorBudgetRemaining!: number | null;

  @Field(() => BurnRates)
  burnRates!: BurnRates;
}
