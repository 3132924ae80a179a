import { IsEnum, Length } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { ApiKeyScope } from './enums';

@ObjectType('ApiKey')
export class ApiKeyType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'The first characters of the key, to tell keys apart.' })
  prefix!: string;

  @Field(() => ApiKeyScope)
  scope!: ApiKeyScope;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKeyType)
  apiKey!: ApiKeyType;

  @Field({ description: 'The key itself. Shown this once; Sentinel keeps only its hash.' })
  secret!: string;
}

@InputType()
export class CreateApiKeyInput {
  @Field()
  @Length(1, 200)
  name!: string;

  @Field(() => ApiKeyScope)
  @IsEnum(ApiKeyScope)
  scope!: ApiKeyScope;
}
