import type { DataSource } from 'typeorm';
import { authenticate } from './authenticate';
import type { PresentedKey } from './key-secret';
import type { Principal } from './principal';

/** Publishes and receives key revocations; the API's Redis channels implement it. */
export interface RevocationBus {
  publish(channel: string, message: unknown): Promise<void>;
  subscribe(channel: string, listener: (message: unknown) => void): Promise<() => Promise<void>>;
}

export const KEY_REVOKED_CHANNEL = 'sentinel:keys:revoked';

export interface KeyRevoked {
  tenantId: string;
  keyId: string;
}

/** Tells every API instance that a key was revoked (after the revocation committed). */
export function publishKeyRevoked(bus: RevocationBus, revoked: KeyRevoked): Promise<void> {
  return bus.publish(KEY_REVOKED_CHANNEL, revoked);
}

/**
 * Resolves keys to principals with a short-lived cache in front of `authenticate_api_key`, so a
 * request makes no round trip for its key. Only known keys are cached (a key created a moment
 * ago works at once). Revocation is published through Redis: every instance drops the key from
 * its cache and remembers it as revoked for the cache's lifetime, so a lookup that was already
 * in flight cannot put it back. If a revocation message were lost, the key still stops within
 * `ttlMs`.
 */
export class KeyAuthenticator {
  private readonly cache = new Map<string, { principal: Principal; expires: number }>();
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly platformKey: string | undefined,
    private readonly ttlMs: number,
  ) {}

  async authenticate(presentedKey: PresentedKey | undefined): Promise<Principal | null> {
    if (!presentedKey || this.ttlMs <= 0)
      return authenticate(this.dataSource, presentedKey, this.platformKey);
    const id = presentedKey.hash.toString('base64');
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && hit.expires > now && !this.isRevoked(hit.principal, now)) return hit.principal;
    if (hit) this.cache.delete(id);

    const principal = await authenticate(this.dataSource, presentedKey, this.platformKey);
    if (principal && !this.isRevoked(principal, Date.now())) {
      this.cache.set(id, { principal, expires: now + this.ttlMs });
      if (this.cache.size > 10_000) this.prune(now);
    }
    return principal && this.isRevoked(principal, Date.now()) ? null : principal;
  }

  /**
   * The principal of a key this instance has looked up lately, without asking the database; for
   * refusing a spent tenant's requests before any work. Undefined when not cached.
   */
  cached(presentedKey: PresentedKey | undefined): Principal | undefined {
    if (!presentedKey || this.ttlMs <= 0) return undefined;
    const hit = this.cache.get(presentedKey.hash.toString('base64'));
    const now = Date.now();
    return hit && hit.expires > now && !this.isRevoked(hit.principal, now)
      ? hit.principal
      : undefined;
  }

  /** Forgets a revoked key on this instance. */
  revoke(keyId: string): void {
    this.revoked.set(keyId, Date.now() + this.ttlMs);
    for (const [id, entry] of this.cache)
      if (entry.principal.keyId === keyId) this.cache.delete(id);
  }

  private isRevoked(principal: Principal, now: number): boolean {
    if (!principal.keyId) return false;
    const until = this.revoked.get(principal.keyId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.revoked.delete(principal.keyId);
    return false;
  }

  private prune(now: number): void {
    for (const [id, entry] of this.cache) if (entry.expires <= now) this.cache.delete(id);
  }
}
