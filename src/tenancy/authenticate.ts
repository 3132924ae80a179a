import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ApiKeyScope } from '../entities/api-key.entity';
import { hashKey, looksLikeKey, PresentedKey } from './key-secret';
import type { Principal } from './principal';

/** The key of `Bearer <key>`; undefined when absent or not of that shape. */
export function keyFromAuthorization(header: string | undefined): PresentedKey | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? new PresentedKey(match[1]!) : undefined;
}

/**
 * Resolves a presented key to its principal, or null for unknown, malformed or revoked keys.
 * The lookup is a security-definer function: no tenant is known yet, so RLS cannot apply.
 */
export async function authenticate(
  dataSource: DataSource,
  presentedKey: PresentedKey | undefined,
  platformKey: string | undefined,
): Promise<Principal | null> {
  if (!presentedKey) return null;
  if (platformKey && crypto.timingSafeEqual(presentedKey.hash, hashKey(platformKey))) {
    return { kind: 'platform', keyId: null };
  }
  if (!looksLikeKey(presentedKey.secret)) return null;
  const rows: Array<{ tenant_id: string | null; key_id: string; scope: string }> =
    await dataSource.query('select tenant_id, key_id, scope from authenticate_api_key($1)', [
      presentedKey.hash,
    ]);
  const row = rows[0];
  if (!row) return null;
  if (row.scope === 'platform' || row.tenant_id === null)
    return { kind: 'platform', keyId: row.key_id };
  return {
    kind: 'tenant',
    tenantId: row.tenant_id,
    keyId: row.key_id,
    scope: row.scope as ApiKeyScope,
  };
}
