import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import pino from 'pino';
import { payerOf } from '../../src/http/rate-limits';
import { keyFromAuthorization } from '../../src/tenancy/authenticate';
import { generateKeySecret, PresentedKey } from '../../src/tenancy/key-secret';

describe('a presented API key', () => {
  it('is read from `Bearer <key>` only, in any case, and hashed as stored keys are', () => {
    const { secret, hash } = generateKeySecret();
    for (const header of [`Bearer ${secret}`, `bearer  ${secret} `, `BEARER ${secret}`]) {
      const key = keyFromAuthorization(header);
      assert.equal(key?.secret, secret, header);
      assert.deepEqual(key?.hash, hash, 'the hash authenticate_api_key looks up');
    }
    for (const header of [undefined, '', secret, `Basic ${secret}`, `Bearer ${secret} extra`])
      assert.equal(keyFromAuthorization(header), undefined, String(header));
  });

  it('gives the rate limits the budget key of before (the first 32 hex digits of its SHA-256)', () => {
    const secret = 'snl_some-key-of-a-client';
    const before = crypto.createHash('sha256').update(secret).digest('hex').slice(0, 32);
    assert.deepEqual(payerOf(new PresentedKey(secret), '10.0.0.1', 'tenant-a'), {
      keyHash: before,
      tenantId: 'tenant-a',
      address: '10.0.0.1',
    });
    // Keyless requests have neither a key budget nor a tenant.
    assert.deepEqual(payerOf(undefined, undefined, 'tenant-a'), {
      keyHash: undefined,
      tenantId: undefined,
      address: 'unknown',
    });
  });

  it('never shows its secret when logged or serialised with the request context', () => {
    const key = new PresentedKey('snl_a-secret-that-must-not-be-logged');
    const lines: string[] = [];
    const logger = pino({ base: null }, { write: (line: string) => lines.push(line) });
    logger.info({ context: { apiKey: key } }, 'request');
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]!.includes(key.secret), lines[0]);
    assert.ok(!JSON.stringify({ apiKey: key }).includes(key.secret));
  });
});
