import { Matches, Length } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { CreatedApiKey } from './api-key.types';

@ObjectType('Tenant')
export class TenantType {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'URL-safe name, unique across the platform; used by /status/<slug>.' })
  slug!: string;

  @Field()
  name!: string;

  @Field()
  createdAt!: Date;

  @Field({ description: 'Its status page is served at /status/<slug> (public endpoints only).' })
  statusPagePublished!: boolean;

  @Field({
    description:
      'Contributes anonymised features to the global model (it receives the global model either way).',
  })
  contributesToGlobal!: boolean;

  @Field(() => [String], {
    description: 'New model kinds and features switched on for it (Tenant0 gets them first).',
  })
  featureFlags!: string[];
}

@InputType()
export class CreateTenantInput {
  @Field()
  @Matches(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
    message: 'slug must be 1-40 lowercase letters, digits or inner hyphens',
  })
  slug!: string;

  @Field()
  @Length(1, 200)
  name!: string;
}

@ObjectType()
export class CreatedTenant {
  @Field(() => TenantType)
  tenant!: TenantType;

  @Field(() => CreatedApiKey, { description: "The new tenant's first admin key." })
  adminKey!: CreatedApiKey;
}
