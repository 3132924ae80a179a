import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parse, type GraphQLSchema } from 'graphql';
import { measureOperation } from '../../src/http/query-limits';
import { buildSentinelSchema } from '../../src/processes/schema';

const limits = { maxQueryDepth: 8, maxQueryCost: 5000, maxForecastsPerRequest: 2 };
const ID = '5f0c6a52-8a7e-4c57-9d0e-3a1f2b4c5d6e';

/** Issue 10, High 4: what an operation costs follows the work it causes. */
describe('query cost', () => {
  let schema: GraphQLSchema;
  before(async () => (schema = await buildSentinelSchema()));
  const cost = (query: string, variables?: Record<string, unknown>) =>
    measureOperation(limits, schema, parse(query), variables, undefined).cost;

  it('grows with the buckets and days a telemetry field reads', () => {
    const telemetry = (hours: number, bucketMinutes: number) =>
      cost(
        `{ telemetry(endpointId: "${ID}", from: "2026-01-01T00:00:00Z", to: "${new Date(
          Date.parse('2026-01-01T00:00:00Z') + hours * 3_600_000,
        ).toISOString()}", bucketMinutes: ${bucketMinutes}) { latencyP95 } }`,
      );
    assert.ok(telemetry(24, 1) > 10 * telemetry(1, 60), 'a day of minutes costs far more');
    assert.ok(telemetry(24 * 30, 60) > telemetry(24, 60), 'more days cost more');
  });

  it('prices forecasts and the keyless statusPage above plain fields, ingestSamples by rows', () => {
    assert.ok(
      cost(
        `{ forecast(endpointId: "${ID}", from: "2026-01-01T00:00:00Z", to: "2026-01-01T01:00:00Z") { threshold } }`,
      ) >= 1000,
    );
    assert.ok(cost('{ statusPage(slug: "x") { name } }') >= 100);
    const ingest = (rows: number) =>
      cost('mutation($input: IngestSamplesInput!) { ingestSamples(input: $input) { accepted } }', {
        input: {
          batchId: 'b',
          samples: Array.from({ length: rows }, () => ({
            endpointId: ID,
            observedAt: '2026-01-01T00:00:00Z',
            latencyMs: 1,
          })),
        },
      });
    assert.ok(ingest(1000) >= 100 && ingest(1000) > 10 * ingest(1));
  });
});
