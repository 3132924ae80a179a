import crypto from 'node:crypto';

const KEY_PREFIX = 'snl_';
// 32 random bytes in base64url.
const KEY_PATTERN = /^snl_[A-Za-z0-9_-]{43}$/;

export interface NewKeySecret {
  /** The key itself: shown once, never stored. */
  secret: string;
  /** Stored; identifies the key in lists. */
  prefix: string;
  /** Stored; what authentication looks up. */
  hash: Buffer;
}

export function generateKeySecret(): NewKeySecret {
  const secret = KEY_PREFIX + crypto.randomBytes(32).toString('base64url');
  return { secret, prefix: secret.slice(0, 12), hash: hashKey(secret) };
}

/** SHA-256 suffices: keys carry 256 random bits, so there is nothing to brute-force. */
export function hashKey(secret: string): Buffer {
  return crypto.hash('sha256', secret, 'buffer');
}

/**
 * A key as a caller presented it, hashed once: the key cache, the key lookup and the rate-limit
 * budgets of a request all work from the same hash.
 */
export class PresentedKey {
  readonly hash: Buffer;

  constructor(readonly secret: string) {
    this.hash = hashKey(secret);
  }

  /** It travels in the request context: a log line or error that serialises it shows no secret. */
  toJSON(): string {
    return '[api key]';
  }
}

export function looksLikeKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}
