import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, NotFoundError } from '../src/errors/app-errors';
import { toClientError } from '../src/errors/to-client-error';
import { startTestApi, type TestApi } from './helpers/api';
import { createTestDatabase, ownerQuery, type TestDatabase } from './helpers/database';
import { makeTenant } from './helpers/factories';

describe('error mapping', () => {
  it('passes domain errors through with their stable code', () => {
    const error = new GraphQLError('x', { originalError: new NotFoundError('Endpoint', 'abc') });
    const client = toClientError(error.toJSON(), error, 'r1');
    assert.equal(client.extensions?.code, ErrorCode.NOT_FOUND);
    assert.equal(client.message, 'Endpoint abc was not found.');
  });

  it('masks unexpected errors and names the request id instead', () => {
    const error = new GraphQLError('boom', {
      originalError: new Error('password=hunter2 at 10.0.0.5'),
      path: ['me'],
    });
    const client = toClientError(error.toJSON(), error, 'req-42');
    assert.deepEqual(client.extensions, { code: ErrorCode.INTERNAL, requestId: 'req-42' });
    assert.equal(client.message, 'Internal server error');
    assert.doesNotMatch(JSON.stringify(client), /hunter2|10\.0\.0\.5/);
  });
});

describe('internal failures through the API', () => {
  let db: TestDatabase;
  let api: TestApi;

  before(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db);
  });
  after(async () => {
    await api.stop().catch(() => undefined);
    await db.drop().catch(() => undefined);
  });

  it('answers INTERNAL with the request id, and no database details, when PostgreSQL goes away', async () => {
    const tenant = await makeTenant(db.dataSource);
    assert.ok((await api.gql('{ me { slug } }', {}, tenant.adminKey)).data);
    await ownerQuery(process.env.SENTINEL_TEST_OWNER_URL!, `drop database ${db.name} with (force)`);

    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.adminKey}` },
      body: JSON.stringify({ query: '{ me { slug } }' }),
    });
    const body = (await response.json()) as {
      errors: Array<{ message: string; extensions: Record<string, unknown> }>;
    };
    const error = body.errors[0]!;
    assert.equal(error.extensions.code, 'INTERNAL');
    assert.equal(error.extensions.requestId, response.headers.get('x-request-id'));
    assert.doesNotMatch(JSON.stringify(body), /database|terminat|connect|sentinel_test|postgres/i);
    assert.equal((await fetch(`${api.url}/readyz`)).status, 503);
  });
});
