import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MissingScopeError } from '../../src/errors/app-errors';
import { validateSample } from '../../src/telemetry/sample';
import { AddressPolicy } from '../../src/telemetry/ssrf-guard';

describe('messages that tell the user what to do', () => {
  it('a refused private or loopback target names PROBE_ALLOW_NETWORKS and the CIDR to add', () => {
    const policy = new AddressPolicy();
    assert.match(policy.refusal('127.0.0.1')!, /loopback.*PROBE_ALLOW_NETWORKS=127\.0\.0\.1\/32/);
    assert.match(policy.refusal('10.1.2.3')!, /private.*PROBE_ALLOW_NETWORKS=10\.1\.2\.3\/32/);
    assert.match(policy.refusal('::1')!, /PROBE_ALLOW_NETWORKS=::1\/128/);
    assert.equal(new AddressPolicy(['10.1.0.0/16']).refusal('10.1.2.3'), undefined);
    assert.equal(policy.refusal('93.184.216.34'), undefined);
  });

  it('FORBIDDEN names the scope the operation needs', () => {
    assert.match(new MissingScopeError(['admin']).message, /needs a key with the admin scope\.$/);
    assert.match(new MissingScopeError(['read']).message, /read scope \(or admin\)/);
    assert.match(new MissingScopeError(['ingest']).message, /ingest scope \(or admin\)/);
    assert.match(
      new MissingScopeError(['admin', 'platform']).message,
      /admin scope, or a platform admin key/,
    );
    assert.match(new MissingScopeError(['platform']).message, /needs a platform admin key/);
    assert.deepEqual(new MissingScopeError(['read']).details, { requiredScopes: ['read'] });
  });

  it('a sample row with several problems reports every one of them', () => {
    const rules = {
      endpointIds: new Set<string>(),
      now: new Date('2026-11-29T00:00:00Z'),
      retentionDays: 90,
      futureSkewSeconds: 300,
    };
    const result = validateSample(
      {
        endpointId: 'nope',
        observedAt: 'yesterday',
        latencyMs: -1,
        statusCode: 999,
        errorKind: 'x',
      },
      7,
      rules,
    );
    assert.ok('problems' in result);
    assert.equal(result.index, 7);
    assert.deepEqual(
      result.problems.map((p) => p.field),
      ['endpointId', 'observedAt', 'latencyMs', 'statusCode', 'errorKind'],
    );
    assert.equal(result.field, 'endpointId');
    assert.equal(result.reason, 'unknown endpoint');
  });
});
