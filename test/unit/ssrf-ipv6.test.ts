import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressPolicy } from '../../src/telemetry/ssrf-guard';

/** Issue 10, item 14: every IPv6 form of a private or local address is refused. */
describe('SSRF guard: IPv6 forms', () => {
  const policy = new AddressPolicy();

  it('refuses IPv4-compatible, local-use NAT64, site-local and other non-public IPv6', () => {
    for (const address of [
      '::7f00:1', // ::/96, IPv4-compatible 127.0.0.1
      '::a00:1', // 10.0.0.1
      '64:ff9b:1::a00:1', // 64:ff9b:1::/48, local-use NAT64
      '64:ff9b::7f00:1', // 64:ff9b::/96
      'fec0::1', // fec0::/10, site-local
      'fc00::1',
      'fe80::1',
      '::1',
      '::',
      '::ffff:127.0.0.1',
      '100::1',
      '2001:db8::1',
      '2002:7f00:1::1', // 6to4 of 127.0.0.1
    ]) {
      assert.ok(policy.refusal(address), `${address} is refused`);
    }
  });

  it('allows public unicast, and what the operator allows explicitly', () => {
    assert.equal(policy.refusal('2606:4700:4700::1111'), undefined);
    assert.equal(policy.refusal('1.1.1.1'), undefined);
    assert.equal(new AddressPolicy(['fec0::/10']).refusal('fec0::1'), undefined);
  });
});
