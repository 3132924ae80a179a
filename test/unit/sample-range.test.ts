import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isRejection,
  MAX_LATENCY_MS,
  validateSample,
  type RawSample,
} from '../../src/telemetry/sample';

const ENDPOINT = '5f0c6a52-8a7e-4c57-9d0e-3a1f2b4c5d6e';
const NOW = new Date('2026-06-01T12:00:00Z');
const rules = {
  endpointIds: new Set([ENDPOINT]),
  now: NOW,
  retentionDays: 90,
  futureSkewSeconds: 300,
};
const sample = (patch: Partial<RawSample>): RawSample => ({
  endpointId: ENDPOINT,
  observedAt: '2026-06-01T11:59:00Z',
  latencyMs: 12,
  ...patch,
});
const rejectionOf = (raw: RawSample) => {
  const result = validateSample(raw, 0, rules);
  return isRejection(result) ? result : undefined;
};

describe('sample validation (issue 10: latency range, ISO-8601 timestamps)', () => {
  it('refuses latencies outside 0 to 3,600,000 ms, with the reason', () => {
    for (const latencyMs of [1e200, MAX_LATENCY_MS + 1, '1e200', Number.MAX_VALUE]) {
      const rejection = rejectionOf(sample({ latencyMs }));
      assert.equal(rejection?.field, 'latencyMs', `${latencyMs} is refused`);
      assert.match(rejection!.reason, /3600000/);
    }
    assert.equal(rejectionOf(sample({ latencyMs: MAX_LATENCY_MS })), undefined);
    assert.equal(rejectionOf(sample({ latencyMs: 0 })), undefined);
  });

  it('accepts ISO-8601 with an offset and refuses epoch numbers, RFC 2822 and zone-less times', () => {
    for (const observedAt of [
      '2026-06-01T11:59:00Z',
      '2026-06-01T11:59:00.123Z',
      '2026-06-01T13:59:00+02:00',
      '2026-06-01T11:59Z',
    ]) {
      assert.equal(rejectionOf(sample({ observedAt })), undefined, `${observedAt} is accepted`);
    }
    for (const observedAt of [
      NOW.getTime() - 60_000,
      String(NOW.getTime() - 60_000),
      'Mon, 01 Jun 2026 11:59:00 GMT',
      '2026-06-01 11:59:00',
      '2026-06-01T11:59:00',
      'June 1, 2026 11:59',
    ]) {
      const rejection = rejectionOf(sample({ observedAt }));
      assert.equal(rejection?.field, 'observedAt', `${observedAt} is refused`);
      assert.ok(rejection!.reason.length > 0);
    }
  });
});
