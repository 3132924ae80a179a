import crypto from 'node:crypto';
import { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { ApiKey, type ApiKeyScope } from '../entities/api-key.entity';
import { NotFoundError } from '../errors/app-errors';
import { publishKeyRevoked, type KeyAuthenticator, type RevocationBus } from '../tenancy/key-cache';
import { generateKeySecret } from '../tenancy/key-secret';
import { withTenant } from '../tenancy/with-tenant';
import { isUuid } from './ids';

export interface IssuedKey {
  apiKey: ApiKey;
  /** The key itself, returned once and never stored. */
  secret: string;
}

/** Issues a key of the tenant in a transaction of its own. */
export function issueApiKey(
  dataSource: DataSource,
  tenantId: string,
  input: { name: string; scope: ApiKeyScope },
): Promise<IssuedKey> {
  return withTenant(dataSource, tenantId, (m) => createApiKey(m, tenantId, input));
}

/**
 * Revokes a key of the tenant, then, after the commit, makes every API instance forget it (this
 * one at once) and close its sockets with 4403.
 */
export async function revokeTenantApiKey(
  deps: { dataSource: DataSource; keys: KeyAuthenticator; channels: RevocationBus },
  tenantId: string,
  id: string,
): Promise<ApiKey> {
  const revoked = await withTenant(deps.dataSource, tenantId, (m) => revokeApiKey(m, id));
  deps.keys.revoke(revoked.id);
  await publishKeyRevoked(deps.channels, { tenantId: revoked.tenantId, keyId: revoked.id });
  return revoked;
}

// The functions below take a manager from withTenant(): RLS already limits it to one tenant.

export async function createApiKey(
  manager: EntityManager,
  tenantId: string,
  input: { name: string; scope: ApiKeyScope },
): Promise<IssuedKey> {
  const { secret, prefix, hash } = generateKeySecret();
  const apiKey = manager.create(ApiKey, {
    tenantId,
    id: crypto.randomUUID(),
    name: input.name,
    prefix,
    keyHash: hash,
    scope: input.scope,
    revokedAt: null,
  });
  await manager.insert(ApiKey, apiKey);
  return { apiKey: await manager.findOneByOrFail(ApiKey, { id: apiKey.id }), secret };
}

/** Revokes a key of the current tenant; the key stops working with the next request. */
export async function revokeApiKey(manager: EntityManager, id: string): Promise<ApiKey> {
  const apiKey = isUuid(id) ? await manager.findOneBy(ApiKey, { id }) : null;
  if (!apiKey) throw new NotFoundError('API key', id);
  if (!apiKey.revokedAt) {
    apiKey.revokedAt = new Date();
    await manager.update(
      ApiKey,
      { tenantId: apiKey.tenantId, id },
      { revokedAt: apiKey.revokedAt },
    );
  }
  return apiKey;
}

export async function hasAnyApiKey(manager: EntityManager): Promise<boolean> {
  return manager.exists(ApiKey);
}

/** Platform keys live outside every tenant; only the owner connection (the CLI) may write them. */
export async function createPlatformKey(ownerDatabaseUrl: string, name: string): Promise<string> {
  const { secret, prefix, hash } = generateKeySecret();
  const client = new Client({ connectionString: ownerDatabaseUrl });
  await client.connect();
  try {
    await client.query('insert into platform_keys (name, prefix, key_hash) values ($1, $2, $3)', [
      name,
      prefix,
      hash,
    ]);
  } finally {
    await client.end();
  }
  return secret;
}
