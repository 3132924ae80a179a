import { ArrayMaxSize, ArrayMinSize, IsUrl, Length } from 'class-validator';
import { ArgsType, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from './pagination';

export enum WebhookEventType {
  BREACH_PREDICTED = 'BREACH_PREDICTED',
  BREACH_STARTED = 'BREACH_STARTED',
  RECOVERED = 'RECOVERED',
}
registerEnumType(WebhookEventType, {
  name: 'WebhookEvent',
  description:
    "BREACH_PREDICTED: an endpoint's risk rose above its model's threshold. BREACH_STARTED: a breach episode began. RECOVERED: a breach episode ended (windowMinutes good minutes after its last breached minute).",
});

export enum WebhookFormatType {
  GENERIC = 'GENERIC',
  SLACK = 'SLACK',
  PAGERDUTY = 'PAGERDUTY',
}
registerEnumType(WebhookFormatType, {
  name: 'WebhookFormat',
  description:
    "GENERIC: Sentinel's signed JSON. SLACK: a Slack incoming-webhook message (text and blocks). PAGERDUTY: PagerDuty Events API v2 (trigger on BREACH_PREDICTED/BREACH_STARTED, resolve when the episode ends, one dedup key per endpoint-episode).",
});

@ArgsType()
export class CreateWebhookArgs {
  @Field(() => String, {
    nullable: true,
    description:
      'An http(s) URL on a public address; deliveries are POSTed there. PAGERDUTY may leave it out (https://events.pagerduty.com/v2/enqueue).',
  })
  @Length(1, 2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url?: string | null;

  @Field(() => [WebhookEventType])
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  events!: WebhookEventType[];

  @Field(() => WebhookFormatType, { defaultValue: WebhookFormatType.GENERIC })
  format!: WebhookFormatType;

  @Field(() => String, {
    nullable: true,
    description:
      "PAGERDUTY only (required there): the Events API v2 integration's routing key. Stored as a secret, never shown again.",
  })
  @Length(1, 200)
  routingKey?: string | null;
}

@ObjectType('Webhook')
export class WebhookType {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'For SLACK, only the host is shown: the rest of the URL is its secret.' })
  url!: string;

  @Field(() => WebhookFormatType)
  format!: WebhookFormatType;

  @Field(() => [WebhookEventType])
  events!: WebhookEventType[];

  @Field()
  createdAt!: Date;
}

@ObjectType()
export class CreatedWebhook {
  @Field(() => WebhookType)
  webhook!: WebhookType;

  @Field({
    description:
      'Signs every delivery: X-Sentinel-Signature = sha256=HMAC(secret, "<X-Sentinel-Timestamp>.<body>"). Shown once.',
  })
  secret!: string;
}

@ObjectType()
export class WebhookEdge {
  @Field()
  cursor!: string;

  @Field(() => WebhookType)
  node!: WebhookType;
}

@ObjectType()
export class WebhookConnection {
  @Field(() => [WebhookEdge])
  edges!: WebhookEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({ description: 'One delivery attempt (or test) of a webhook.' })
export class WebhookDeliveryType {
  @Field()
  at!: Date;

  @Field({ description: 'The event: a WebhookEvent, TEST, or RESOLVED (PagerDuty only).' })
  event!: string;

  @Field({ description: 'Stable across the retries of one delivery (X-Sentinel-Delivery).' })
  deliveryId!: string;

  @Field(() => Int)
  attempt!: number;

  @Field(() => Int, { nullable: true, description: 'The HTTP status; null when none came.' })
  statusCode!: number | null;

  @Field(() => Float, { nullable: true })
  latencyMs!: number | null;

  @Field(() => String, { nullable: true })
  error!: string | null;
}

@ObjectType()
export class WebhookTestResult {
  @Field({ description: 'A 2xx answer came.' })
  ok!: boolean;

  @Field(() => Int, { nullable: true })
  statusCode!: number | null;

  @Field(() => Float)
  latencyMs!: number;

  @Field(() => String, { nullable: true })
  error!: string | null;
}
