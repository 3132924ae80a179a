import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useApiFixture } from './helpers/api';
import { CREATE_ENDPOINT, endpointInput } from './helpers/factories';

describe('messages over the API', () => {
  const fx = useApiFixture();
  let endpointId: string;

  before(async () => {
    const created = await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput() },
      fx.tenant.adminKey,
    );
    endpointId = created.data!.createEndpoint.id;
  });

  it('FORBIDDEN says which scope the operation needs', async () => {
    const response = await fx.api.gql(
      CREATE_ENDPOINT,
      { input: endpointInput() },
      await fx.tenant.key('read'),
    );
    const error = response.errors?.[0];
    assert.equal(error?.extensions?.code, 'FORBIDDEN');
    assert.match(error!.message, /needs a key with the admin scope/);
    assert.deepEqual(error?.extensions?.requiredScopes, ['admin']);
    const ingest = await fetch(`${fx.api.url}/ingest?batchId=m-1`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await fx.tenant.key('read')}`,
        'content-type': 'application/x-ndjson',
      },
      body: '\n',
    });
    assert.equal(ingest.status, 403);
    assert.match(JSON.stringify(await ingest.json()), /ingest scope \(or admin\)/);
  });

  it('a subscription sent over HTTP is told to use the WebSocket, not INTERNAL', async () => {
    const response = await fx.api.gql(
      'subscription { trainingProgress(jobId: "00000000-0000-4000-8000-000000000000") { state } }',
      {},
      fx.tenant.adminKey,
    );
    const error = response.errors?.[0];
    assert.equal(error?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(error?.extensions?.reason, 'SUBSCRIPTION_OVER_HTTP');
    assert.match(error!.message, /WebSocket/);
  });

  it('an array that must not be empty says "at least 1 element"', async () => {
    const response = await fx.api.gql(
      CREATE_ENDPOINT,
      { input: endpointInput({ expectedStatusCodes: [] }) },
      fx.tenant.adminKey,
    );
    const message = response.errors?.[0]?.message ?? '';
    assert.match(message, /at least 1 element\b/);
    assert.doesNotMatch(message, /1 elements/);
  });

  it('an NDJSON row with several problems reports all of them', async () => {
    const response = await fetch(`${fx.api.url}/ingest?batchId=m-2`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${fx.tenant.adminKey}`,
        'content-type': 'application/x-ndjson',
      },
      body:
        JSON.stringify({ endpointId, observedAt: 'soon', latencyMs: -5, statusCode: 42 }) + '\n',
    });
    const body = (await response.json()) as {
      rejections: Array<{ index: number; field: string; problems: Array<{ field: string }> }>;
    };
    assert.deepEqual(
      body.rejections[0]!.problems.map((p) => p.field),
      ['observedAt', 'latencyMs', 'statusCode'],
    );
    // The same over GraphQL, and a replay answers the same.
    const query = `mutation($input: IngestSamplesInput!) { ingestSamples(input: $input) {
      replayed rejections { index field problems { field reason } } } }`;
    const variables = {
      input: {
        batchId: 'm-3',
        samples: [{ endpointId, observedAt: 'soon', latencyMs: -5, statusCode: 42 }],
      },
    };
    type Result = {
      ingestSamples: { replayed: boolean; rejections: Array<{ problems: unknown[] }> };
    };
    const first = await fx.api.gql<Result>(query, variables, fx.tenant.adminKey);
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    assert.equal(first.data!.ingestSamples.rejections[0]!.problems.length, 3);
    const replay = await fx.api.gql<Result>(query, variables, fx.tenant.adminKey);
    assert.equal(replay.data!.ingestSamples.replayed, true);
    assert.deepEqual(replay.data!.ingestSamples.rejections, first.data!.ingestSamples.rejections);
  });
});
