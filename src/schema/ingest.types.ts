import { Length } from 'class-validator';
import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';

/**
 * One probe result. Fields are loosely typed on purpose: a bad row must be rejected on its own
 * (with its index) while the good rows of the batch are kept, not fail the whole request.
 */
@InputType()
export class SampleInput {
  @Field({ description: "The endpoint's id." })
  endpointId!: string;

  @Field({
    description:
      'ISO-8601 time of the observation; within the retention and at most the skew ahead.',
  })
  observedAt!: string;

  @Field(() => Float, { description: 'Milliseconds, 0 to 3600000 (one hour).' })
  latencyMs!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'HTTP status, 100-599; null when there was no response.',
  })
  statusCode?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'timeout, connection, tls, dns, unexpected_status; null when the probe succeeded.',
  })
  errorKind?: string | null;
}

@InputType()
export class IngestSamplesInput {
  @Field({ description: 'Client-chosen id; a batch sent again with the same id is stored once.' })
  @Length(1, 200)
  batchId!: string;

  @Field(() => [SampleInput], { description: 'At most MAX_INGEST_BATCH_ROWS (default 1000) rows.' })
  samples!: SampleInput[];
}

@ObjectType({ description: 'One thing wrong with a rejected row.' })
export class SampleProblem {
  @Field()
  field!: string;

  @Field()
  reason!: string;
}

@ObjectType()
export class RejectedSample {
  @Field(() => Int, { description: '0-based position in the batch.' })
  index!: number;

  @Field({ description: 'The first bad field (every one is in problems).' })
  field!: string;

  @Field()
  reason!: string;

  @Field(() => [SampleProblem], { description: 'Every problem of the row, the first included.' })
  problems!: SampleProblem[];
}

@ObjectType()
export class IngestResult {
  @Field()
  batchId!: string;

  @Field(() => Int)
  accepted!: number;

  @Field(() => Int)
  rejected!: number;

  @Field({
    description: 'True when this batch id was stored before; nothing was written this time.',
  })
  replayed!: boolean;

  @Field(() => [RejectedSample], { description: 'The first 100 rejected rows.' })
  rejections!: RejectedSample[];
}
