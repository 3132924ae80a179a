import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { demoTenantName } from '../../src/demo/seed-demo-tenant';

describe('demo tenant names', () => {
  it('does not say "demo" twice ("Demo demo (synthetic data)")', () => {
    assert.equal(demoTenantName('demo'), 'Demo (synthetic data)');
    assert.equal(demoTenantName('demo-2'), 'Demo 2 (synthetic data)');
  });
});
