import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { ApiKeyType, CreateApiKeyInput, CreatedApiKey } from '../schema/api-key.types';
import { toApiKeyType, toCreatedApiKey } from '../schema/mappers';
import { issueApiKey, revokeTenantApiKey } from '../services/api-keys';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

@Resolver()
export class ApiKeyResolver {
  @Authorized('admin')
  @Mutation(() => CreatedApiKey)
  async createApiKey(
    @Arg('input') input: CreateApiKeyInput,
    @Ctx() context: RequestContext,
  ): Promise<CreatedApiKey> {
    return toCreatedApiKey(await issueApiKey(context.dataSource, tenantIdOf(context), input));
  }

  @Authorized('admin')
  @Mutation(() => ApiKeyType)
  async revokeApiKey(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<ApiKeyType> {
    const revoked = await revokeTenantApiKey(context, tenantIdOf(context), id);
    return toApiKeyType(revoked);
  }
}
