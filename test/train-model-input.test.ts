import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openQueue } from '../src/jobs/queues';
import { TRAINING_QUEUE } from '../src/training/training-jobs';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { CREATE_ENDPOINT, endpointInput, makeTenant } from './helpers/factories';

const TRAIN = `mutation($input: TrainModelInput!) { trainModel(input: $input) { id state } }`;

describe('trainModel refuses bad requests before anything is queued', () => {
  const fx = useApiFixture();

  async function refusal(
    input: Record<string, unknown>,
    key = fx.tenant.adminKey,
  ): Promise<{ code?: string; reason?: unknown; message: string }> {
    const response = await fx.api.gql(TRAIN, { input }, key);
    assert.equal(response.data ?? null, null);
    const error = response.errors![0]!;
    return {
      code: error.extensions?.code,
      reason: error.extensions?.reason,
      message: error.message,
    };
  }

  it('answers BAD_USER_INPUT, NOT_FOUND or FORBIDDEN, and queues no job', async () => {
    assert.equal((await refusal({ epochs: 0 })).code, 'BAD_USER_INPUT');
    assert.equal((await refusal({ epochs: 201 })).code, 'BAD_USER_INPUT');
    assert.equal((await refusal({ horizonMinutes: 4 })).code, 'BAD_USER_INPUT');
    assert.equal((await refusal({ horizonMinutes: 500 })).code, 'BAD_USER_INPUT');
    assert.equal((await refusal({ windowDays: 91 })).code, 'BAD_USER_INPUT');
    assert.equal((await refusal({ endpointIds: ['not-a-uuid'] })).code, 'BAD_USER_INPUT');

    // Another tenant's endpoint is indistinguishable from one that does not exist.
    const other = await makeTenant(fx.db.dataSource);
    const foreign = await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput() },
      other.adminKey,
    );
    const stolen = await refusal({ endpointIds: [foreign.data!.createEndpoint.id] });
    assert.equal(stolen.code, 'NOT_FOUND');

    // An endpoint with no telemetry: too little data to split into train / validation / test.
    await fx.api.gql(CREATE_ENDPOINT, { input: endpointInput() }, fx.tenant.adminKey);
    const empty = await refusal({});
    assert.deepEqual([empty.code, empty.reason], ['BAD_USER_INPUT', 'NOT_ENOUGH_DATA']);

    assert.equal((await refusal({}, await fx.tenant.key('read'))).code, 'FORBIDDEN');
    assert.equal((await refusal({}, await fx.tenant.key('ingest'))).code, 'FORBIDDEN');

    const rows = await ownerQuery(fx.db.ownerUrl, 'select 1 from training_jobs');
    assert.equal(rows.length, 0, 'no job row');
    const queue = openQueue(TRAINING_QUEUE, fx.db.redisUrl);
    try {
      const counts = await queue.getJobCounts();
      assert.equal(
        Object.values(counts).reduce((a, b) => a + b, 0),
        0,
        'no Bull job',
      );
    } finally {
      await queue.close();
    }
  });

  it('is NOT_FOUND for another tenant reading, cancelling or following a job id', async () => {
    const id = '6f1c1a52-0000-4000-8000-000000000000';
    const read = await fx.api.gql(
      `query($id: ID!) { trainingJob(id: $id) { id } }`,
      { id },
      fx.tenant.adminKey,
    );
    assert.equal(read.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const cancel = await fx.api.gql(
      `mutation($id: ID!) { cancelTrainingJob(id: $id) { id } }`,
      { id },
      fx.tenant.adminKey,
    );
    assert.equal(cancel.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });
});
