import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { HttpMethod } from './enums';

@ObjectType({
  description: 'When the endpoint counts as breached (SPEC section 4).',
  simpleResolvers: true,
})
export class Sla {
  @Field(() => Float, { description: 'The chosen latency percentile must stay at or below this.' })
  latencyThresholdMs!: number;

  @Field(() => Float, {
    description: 'Which latency percentile is compared, in (0, 100), e.g. 95.',
  })
  latencyPercentile!: number;

  @Field(() => Float, {
    description: 'Breached when the error rate over the window is above this, in (0, 1).',
  })
  errorRateThreshold!: number;

  @Field(() => Int, { description: 'The window, in minutes, ending at each minute.' })
  windowMinutes!: number;

  @Field(() => Float, { description: 'Target share of good minutes over 30 days, in (0, 1).' })
  availabilityTarget!: number;
}

// Plain properties, read as they are (simpleResolvers: no type-graphql wrapper per field): a page
// of endpoints resolves every field of every row.
@ObjectType('Endpoint', { simpleResolvers: true })
export class EndpointType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  url!: string;

  @Field(() => HttpMethod)
  method!: HttpMethod;

  @Field(() => [Int])
  expectedStatusCodes!: number[];

  @Field({ description: 'False when the endpoint is fed only by pushed telemetry.' })
  probeEnabled!: boolean;

  @Field({ description: "Shown on the tenant's public status page." })
  public!: boolean;

  @Field(() => Int)
  probeIntervalSeconds!: number;

  @Field(() => Int)
  timeoutMs!: number;

  @Field(() => Sla)
  sla!: Sla;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'Set when archived; archived endpoints are not probed.',
  })
  archivedAt!: Date | null;
}
