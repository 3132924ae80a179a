import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { ApiKeyType, CreateApiKeyInput, CreatedApiKey } from '../schema/api-key.types';
import { toApiKeyType, toCreatedApiKey } from '../schema/mappers';
import { createApiKey, revokeApiKey } from '../services/api-keys';
import { tenantIdOf, type RequestContext } from '../tenancy/context';
import { publishKeyRevoked } from '../tenancy/key-cache';
import { withTenant } from '../tenancy/with-tenant';

@Resolver()
export class ApiKeyResolver {
  @Authorized('admin')
  @Mutation(() => CreatedApiKey)
  async createApiKey(
    @Arg('input') input: CreateApiKeyInput,
    @Ctx() context: RequestContext,
  ): Promise<CreatedApiKey> {
    const tenantId = tenantIdOf(context);
    const issued = await withTenant(context.dataSource, tenantId, (manager) =>
      createApiKey(manager, tenantId, input),
    );
    return toCreatedApiKey(issued);
  }

  @Authorized('admin')
  @Mutation(() => ApiKeyType)
  async revokeApiKey(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<ApiKeyType> {
    const revoked = await withTenant(context.dataSource, tenantIdOf(context), (manager) =>
      revokeApiKey(manager, id),
    );
    // After the commit: every API instance (this one at once) forgets the key and closes its
    // sockets with 4403.
    context.keys.revoke(revoked.id);
    await publishKeyRevoked(context.channels, { tenantId: revoked.tenantId, keyId: revoked.id });
    return toApiKeyType(revoked);
  }
}
