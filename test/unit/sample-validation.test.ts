import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRejection, validateSample, type RawSample } from '../../src/telemetry/sample';

const ENDPOINT = '3b241101-e2bb-4255-8caf-4136c566a962';
const NOW = new Date('2026-03-01T12:00:00Z');
const RULES = {
  endpointIds: new Set([ENDPOINT]),
  now: NOW,
  retentionDays: 90,
  futureSkewSeconds: 300,
};
const good: RawSample = {
  endpointId: ENDPOINT,
  observedAt: '2026-03-01T11:59:00Z',
  latencyMs: 120,
  statusCode: 200,
};

const rejection = (raw: RawSample) => {
  const result = validateSample(raw, 7, RULES);
  assert.ok(isRejection(result), 'rejected');
  return [result.index, result.field, result.reason];
};

describe('validateSample', () => {
  it('accepts a good row, normalising the id case, a numeric latency string and an empty status', () => {
    assert.deepEqual(validateSample(good, 0, RULES), {
      endpointId: ENDPOINT,
      observedAt: new Date('2026-03-01T11:59:00Z'),
      latencyMs: 120,
      statusCode: 200,
      errorKind: null,
    });
    assert.deepEqual(
      validateSample(
        {
          ...good,
          endpointId: ENDPOINT.toUpperCase(),
          latencyMs: '5000',
          statusCode: '',
          errorKind: 'timeout',
        },
        0,
        RULES,
      ),
      {
        endpointId: ENDPOINT,
        observedAt: new Date('2026-03-01T11:59:00Z'),
        latencyMs: 5000,
        statusCode: null,
        errorKind: 'timeout',
      },
    );
  });

  it('names the first bad field and why, with the row index', () => {
    const other = '3b241101-e2bb-4255-8caf-000000000000';
    assert.deepEqual(rejection({ ...good, endpointId: other }), [
      7,
      'endpointId',
      'unknown endpoint',
    ]);
    assert.deepEqual(rejection({ ...good, endpointId: 'nope' }), [
      7,
      'endpointId',
      'unknown endpoint',
    ]);
    assert.deepEqual(rejection({ ...good, observedAt: 'yesterday' }), [
      7,
      'observedAt',
      'not an ISO-8601 timestamp with an offset (e.g. 2026-01-31T12:00:00Z)',
    ]);
    assert.deepEqual(rejection({ ...good, observedAt: '2025-11-30T11:59:00Z' }), [
      7,
      'observedAt',
      'older than the retention of 90 days',
    ]);
    assert.deepEqual(rejection({ ...good, observedAt: '2026-03-01T12:05:01Z' }), [
      7,
      'observedAt',
      'more than 300 s in the future',
    ]);
    assert.deepEqual(rejection({ ...good, latencyMs: 'fast' }), [
      7,
      'latencyMs',
      'not a finite number',
    ]);
    assert.deepEqual(rejection({ ...good, latencyMs: -1 }), [7, 'latencyMs', 'negative']);
    assert.deepEqual(rejection({ ...good, statusCode: 600 }), [
      7,
      'statusCode',
      'not an HTTP status (100-599)',
    ]);
    assert.deepEqual(rejection({ ...good, errorKind: 'gremlins' }), [
      7,
      'errorKind',
      'unknown error kind (one of timeout, connection, tls, dns, unexpected_status)',
    ]);
  });

  it('accepts the edges: exactly the skew ahead, exactly the retention back', () => {
    const skew = validateSample({ ...good, observedAt: '2026-03-01T12:05:00Z' }, 0, RULES);
    assert.equal(isRejection(skew), false);
    const oldest = validateSample({ ...good, observedAt: '2025-12-01T12:00:00Z' }, 0, RULES);
    assert.equal(isRejection(oldest), false);
  });
});
