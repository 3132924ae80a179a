import { Args, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { toWebhookType } from '../schema/intelligence-mappers';
import { CreatedWebhook, CreateWebhookArgs } from '../schema/webhook.types';
import { createWebhook } from '../services/webhooks';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

@Resolver()
export class WebhookResolver {
  @Authorized('admin')
  @Mutation(() => CreatedWebhook, {
    description:
      'Subscribes a URL to predicted and actual breaches. Deliveries are signed and retried with backoff.',
  })
  async createWebhook(
    @Args(() => CreateWebhookArgs) args: CreateWebhookArgs,
    @Ctx() context: RequestContext,
  ): Promise<CreatedWebhook> {
    const { webhook, secret } = await createWebhook(
      context.dataSource,
      tenantIdOf(context),
      { url: args.url, events: args.events },
      context.config.probeAllowNetworks,
    );
    return { webhook: toWebhookType(webhook), secret };
  }
}
