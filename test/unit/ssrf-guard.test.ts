import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressPolicy, refusalForLiteralHost } from '../../src/telemetry/ssrf-guard';

describe('AddressPolicy', () => {
  const closed = new AddressPolicy();

  it('allows public unicast, IPv4 and IPv6', () => {
    assert.equal(closed.refusal('93.184.216.34'), undefined);
    assert.equal(closed.refusal('2606:2800:220:1:248:1893:25c8:1946'), undefined);
  });

  it('refuses loopback, private, link-local (cloud metadata), unspecified and mapped private', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fc00::1',
      '::ffff:10.0.0.1',
    ]) {
      assert.notEqual(closed.refusal(address), undefined, address);
    }
    assert.equal(closed.refusal('not-an-ip'), 'not an IP address: not-an-ip');
  });

  it('allows exactly the networks the operator lists', () => {
    const open = new AddressPolicy(['10.1.0.0/16', '::1/128']);
    assert.equal(open.refusal('10.1.200.7'), undefined);
    assert.equal(open.refusal('::ffff:10.1.0.9'), undefined, 'mapped IPv4 matches an IPv4 network');
    assert.equal(open.refusal('::1'), undefined);
    assert.notEqual(open.refusal('10.2.0.1'), undefined);
    assert.notEqual(open.refusal('127.0.0.1'), undefined);
  });
});

describe('refusalForLiteralHost', () => {
  it('checks IP literals (bracketed IPv6 too) and leaves names to the connect-time lookup', () => {
    const policy = new AddressPolicy();
    assert.notEqual(refusalForLiteralHost(new URL('http://127.0.0.1:8080/x'), policy), undefined);
    assert.notEqual(refusalForLiteralHost(new URL('http://[::1]/'), policy), undefined);
    assert.equal(refusalForLiteralHost(new URL('https://example.com/'), policy), undefined);
    assert.equal(refusalForLiteralHost(new URL('https://93.184.216.34/'), policy), undefined);
  });
});
