import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { enqueueRollups } from '../jobs/rollup-jobs';
import { IngestResult, IngestSamplesInput } from '../schema/ingest.types';
import { ingestSamples } from '../telemetry/ingest-samples';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

@Resolver()
export class IngestResolver {
  @Authorized('ingest')
  @Mutation(() => IngestResult, {
    description: 'Stores telemetry; bad rows are rejected one by one, good rows kept.',
  })
  async ingestSamples(
    @Arg('input') input: IngestSamplesInput,
    @Ctx() context: RequestContext,
  ): Promise<IngestResult> {
    const tenantId = tenantIdOf(context);
    const { telemetry, limits } = context.config;
    const { outcome, touched } = await ingestSamples(
      context.dataSource,
      tenantId,
      input.batchId,
      input.samples,
      {
        ...telemetry,
        maxRows: limits.ingestBatchRows,
      },
    );
    await enqueueRollups(context.queues.rollups, tenantId, touched);
    return outcome;
  }
}
