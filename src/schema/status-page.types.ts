import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RiskLevel } from './risk.types';

export enum EndpointStateType {
  OPERATIONAL = 'OPERATIONAL',
  BREACHED = 'BREACHED',
  NO_DATA = 'NO_DATA',
  MAINTENANCE = 'MAINTENANCE',
}
registerEnumType(EndpointStateType, {
  name: 'EndpointState',
  description:
    'OPERATIONAL: within its SLA now. BREACHED: breaching it. NO_DATA: no samples in the current window. MAINTENANCE: in a maintenance window.',
});

@ObjectType()
export class UptimeDay {
  @Field()
  day!: Date;

  @Field(() => Float, {
    nullable: true,
    description: 'Good minutes / minutes with data; null: no data that day.',
  })
  availability!: number | null;

  @Field(() => Int, { description: 'Minutes of the day that breached the SLA.' })
  breachedMinutes!: number;
}

@ObjectType()
export class LatencyPoint {
  @Field()
  start!: Date;

  @Field(() => Float, { nullable: true })
  p95!: number | null;
}

@ObjectType({
  description:
    'The current breach forecast. Without enough data to forecast, probability, percent and level are null: show no figure then.',
})
export class PublicRisk {
  @Field(() => Float, {
    nullable: true,
    description: 'Calibrated: 0.3 is about a 30% chance of a breach onset within the horizon.',
  })
  probability!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'The same probability as a percentage (0-100, one decimal); null with probability.',
  })
  percent!: number | null;

  @Field(() => RiskLevel, {
    nullable: true,
    description:
      "What to colour the percentage by: ABOVE the model's alert threshold (alerting), NEAR (from the alert's re-arm level, half the threshold, up to it), BELOW (the only level to show as healthy). Null with probability.",
  })
  level!: RiskLevel | null;

  @Field(() => Float, { description: "The model's alert threshold." })
  threshold!: number;

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

@ObjectType()
export class PublicMaintenance {
  @Field()
  endsAt!: Date;

  @Field()
  reason!: string;
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

  @Field(() => PublicMaintenance, {
    nullable: true,
    description: 'The maintenance window in force now.',
  })
  maintenance!: PublicMaintenance | null;

  @Field(() => Int, { description: 'SLA breach episodes of the last 7 days, all of them.' })
  episodeCount!: number;

  @Field(() => [PublicEpisode], {
    description:
      'SLA breach episodes of the last 7 days, newest first (at most 10); runs of breached minutes less than windowMinutes apart are one episode.',
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
