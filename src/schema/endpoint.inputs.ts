import {
  ArrayMaxSize,
  ArrayMinSize,
  IsEnum,
  IsInt,
  IsOptional,
  IsPositive,
  IsUrl,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { Field, Float, InputType, Int } from 'type-graphql';
import { HttpMethod } from './enums';
import { InOpenInterval } from './validators';

/** Probing more often than this is refused: it is load on the target, not more insight. */
export const MIN_PROBE_INTERVAL_SECONDS = 30;
export const MAX_PROBE_INTERVAL_SECONDS = 86_400;

const URL_RULES = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

@InputType()
export class SlaInput {
  @Field(() => Float)
  @IsPositive()
  latencyThresholdMs!: number;

  @Field(() => Float, { defaultValue: 95 })
  @InOpenInterval(0, 100)
  latencyPercentile!: number;

  @Field(() => Float, { defaultValue: 0.05 })
  @InOpenInterval(0, 1)
  errorRateThreshold!: number;

  @Field(() => Int, { defaultValue: 5 })
  @IsInt()
  @Min(1)
  @Max(1440)
  windowMinutes!: number;

  @Field(() => Float, { defaultValue: 0.999 })
  @InOpenInterval(0, 1)
  availabilityTarget!: number;
}

@InputType()
export class CreateEndpointInput {
  @Field()
  @Length(1, 200)
  name!: string;

  @Field({ description: 'An absolute http(s) URL.' })
  @IsUrl(URL_RULES)
  url!: string;

  @Field(() => HttpMethod, { defaultValue: HttpMethod.GET })
  @IsEnum(HttpMethod)
  method!: HttpMethod;

  @Field(() => [Int], { defaultValue: [200] })
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(100, { each: true })
  @Max(599, { each: true })
  expectedStatusCodes!: number[];

  @Field({
    defaultValue: true,
    description: 'False: Sentinel does not probe it; telemetry arrives by ingestion only.',
  })
  probeEnabled!: boolean;

  @Field({
    defaultValue: false,
    description:
      "Shown (by name, never its URL) on the tenant's public status page, once published.",
  })
  public!: boolean;

  @Field(() => Int, { defaultValue: 60, description: `At least ${MIN_PROBE_INTERVAL_SECONDS}.` })
  @IsInt()
  @Min(MIN_PROBE_INTERVAL_SECONDS)
  @Max(MAX_PROBE_INTERVAL_SECONDS)
  probeIntervalSeconds!: number;

  @Field(() => Int, {
    defaultValue: 10_000,
    description: 'In ms, 100 to 60000, and below the interval.',
  })
  @IsInt()
  @Min(100)
  @Max(60_000)
  timeoutMs!: number;

  @Field(() => SlaInput)
  @ValidateNested()
  sla!: SlaInput;
}

/** A partial SLA: omitted (or null) fields keep their value. */
@InputType()
export class SlaPatch {
  @Field(() => Float, { nullable: true })
  @IsOptional()
  @IsPositive()
  latencyThresholdMs?: number;

  @Field(() => Float, { nullable: true })
  @IsOptional()
  @InOpenInterval(0, 100)
  latencyPercentile?: number;

  @Field(() => Float, { nullable: true })
  @IsOptional()
  @InOpenInterval(0, 1)
  errorRateThreshold?: number;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1440)
  windowMinutes?: number;

  @Field(() => Float, { nullable: true })
  @IsOptional()
  @InOpenInterval(0, 1)
  availabilityTarget?: number;
}

/** A partial endpoint: omitted (or null) fields keep their value. */
@InputType()
export class UpdateEndpointInput {
  @Field({ nullable: true })
  @IsOptional()
  @Length(1, 200)
  name?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsUrl(URL_RULES)
  url?: string;

  @Field(() => HttpMethod, { nullable: true })
  @IsOptional()
  @IsEnum(HttpMethod)
  method?: HttpMethod;

  @Field(() => [Int], { nullable: true })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(100, { each: true })
  @Max(599, { each: true })
  expectedStatusCodes?: number[];

  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  probeEnabled?: boolean;

  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  public?: boolean;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(MIN_PROBE_INTERVAL_SECONDS)
  @Max(MAX_PROBE_INTERVAL_SECONDS)
  probeIntervalSeconds?: number;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(60_000)
  timeoutMs?: number;

  @Field(() => SlaPatch, { nullable: true })
  @IsOptional()
  @ValidateNested()
  sla?: SlaPatch;
}
