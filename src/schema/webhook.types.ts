import { ArrayMaxSize, ArrayMinSize, IsUrl, Length } from 'class-validator';
import { ArgsType, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum WebhookEventType {
  BREACH_PREDICTED = 'BREACH_PREDICTED',
  BREACH_STARTED = 'BREACH_STARTED',
}
registerEnumType(WebhookEventType, {
  name: 'WebhookEvent',
  description:
    "BREACH_PREDICTED: an endpoint's risk rose above its model's threshold. BREACH_STARTED: a breach episode began.",
});

@ArgsType()
export class CreateWebhookArgs {
  @Field({ description: 'An http(s) URL on a public address; deliveries are POSTed there.' })
  @Length(1, 2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url!: string;

  @Field(() => [WebhookEventType])
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  events!: WebhookEventType[];
}

@ObjectType('Webhook')
export class WebhookType {
  @Field(() => ID)
  id!: string;

  @Field()
  url!: string;

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
