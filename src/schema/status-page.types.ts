import { RiskLevel } from './risk.types';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum EndpointStateType {
  OPERATIONAL = 'OPERATIONAL',
  BREACHED = 'BREACHED',
  NO_DATA = 'NO_DATA',
}
registerEnumType(EndpointStateType, { name: 'EndpointState' });

@ObjectType()
export class UptimeDay {
  @Field()
  day!: Date;

  @Field(() => Float, {
    nullable: true,
    description: 'Good minutes / minutes with data; null: no data that day.',
  })
  availability!: number | null;
}

@ObjectType()
export class LatencyPoint {
  @Field()
  start!: Date;

  @Field(() => Float, { nullable: true })
  p95!: number | null;
}

@ObjectType()
export class PublicRisk {
  @Field(() => Float, {
    nullable: true,
    description: 'Calibrated probability of a breach within horizonMinutes; null: too little data.',
  })
  probability!: number | null;

  @Field(() => Float, { description: 'The alert threshold, on the same calibrated scale.' })
  threshold!: number;

  @Field(() => RiskLevel, {
    nullable: true,
    description:
      'Against the threshold: ABOVE, NEAR (at least half of it), BELOW (the only green one).',
  })
  level!: RiskLevel | null;

  @Field(() => String, { nullable: true, description: 'Why there is no probability.' })
  insufficientData!: string | null;

  @Field(() => Int)
  horizonMinutes!: number;

  @Field()
  aboveThreshold!: boolean;

  @Field()
  minute!: Date;
}

@ObjectType()
export class PublicEpisode {
  @Field()
  start!: Date;

  @Field()
  end!: Date;

  @Field(() => Int)
  minutes!: number;
}

@ObjectType({
  description: 'A public endpoint as its status page shows it: by name, never its URL or id.',
})
export class StatusPageEndpoint {
  @Field()
  name!: string;

  @Field(() => EndpointStateType)
  state!: EndpointStateType;

  @Field(() => Float)
  availabilityTarget!: number;

  @Field(() => Float, { nullable: true })
  availability90d!: number | null;

  @Field(() => [UptimeDay], { description: 'One per UTC day, oldest first.' })
  uptimeDays!: UptimeDay[];

  @Field(() => Float)
  latencyThresholdMs!: number;

  @Field(() => [LatencyPoint], { description: 'p95 per 15 minutes over the last 24 hours.' })
  latency!: LatencyPoint[];

  @Field(() => PublicRisk, {
    nullable: true,
    description: 'The current breach forecast, if a model scored it in the last 15 minutes.',
  })
  risk!: PublicRisk | null;

  @Field(() => [PublicEpisode], {
    description: 'SLA breaches of the last 7 days, newest first (at most 10).',
  })
  episodes!: PublicEpisode[];
}

@ObjectType()
export class StatusPage {
  @Field()
  slug!: string;

  @Field()
  name!: string;

  @Field()
  generatedAt!: Date;

  @Field(() => [StatusPageEndpoint])
  endpoints!: StatusPageEndpoint[];
}
