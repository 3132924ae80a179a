import { Length, MaxLength } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { PageInfo } from './pagination';

@InputType()
export class ScheduleMaintenanceInput {
  @Field(() => ID, {
    nullable: true,
    description: 'The endpoint in maintenance; leave out for the whole tenant.',
  })
  @Length(1, 100)
  endpointId?: string | null;

  @Field({ description: 'Start of the window (inclusive).' })
  startsAt!: Date;

  @Field({ description: 'End of the window (exclusive); at most 31 days after startsAt.' })
  endsAt!: Date;

  @Field(() => String, { nullable: true })
  @MaxLength(500)
  reason?: string | null;
}

@ObjectType({
  description:
    'An endpoint (or the whole tenant) in maintenance: its minutes count neither for nor against availability, no notification is sent, and status pages show "maintenance".',
})
export class MaintenanceWindowType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true, description: 'Null: the whole tenant.' })
  endpointId!: string | null;

  @Field()
  startsAt!: Date;

  @Field()
  endsAt!: Date;

  @Field()
  reason!: string;

  @Field()
  createdAt!: Date;
}

@ObjectType()
export class MaintenanceWindowEdge {
  @Field()
  cursor!: string;

  @Field(() => MaintenanceWindowType)
  node!: MaintenanceWindowType;
}

@ObjectType()
export class MaintenanceWindowConnection {
  @Field(() => [MaintenanceWindowEdge])
  edges!: MaintenanceWindowEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({
  description:
    "An endpoint's incident: opened by a prediction or a breach onset, resolved when the breach episode ends. Its PagerDuty dedup key is sentinel-<id>.",
})
export class IncidentType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  endpointId!: string;

  @Field()
  openedAt!: Date;

  @Field(() => Date, { nullable: true })
  breachStartedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  acknowledgedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  resolvedAt!: Date | null;
}
