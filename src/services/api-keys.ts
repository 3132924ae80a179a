import crypto from 'node:crypto';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import { ApiKey, type ApiKeyScope } from '../entities/api-key.entity';
import { NotFoundError } from '../errors/app-errors';
import { generateKeySecret } from '../tenancy/key-secret';
import { isUuid } from './ids';

export interface IssuedKey {
  apiKey: ApiKey;
  /** The key itself, returned once and never stored. */
  secret: string;
}

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
