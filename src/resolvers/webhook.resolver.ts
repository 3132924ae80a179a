import crypto from 'node:crypto';
import { Args, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { Webhook } from '../entities/webhook.entity';
import { BadInputError } from '../errors/app-errors';
import { toWebhookType } from '../schema/intelligence-mappers';
import { CreatedWebhook, CreateWebhookArgs } from '../schema/webhook.types';
import { AddressPolicy, refusalForLiteralHost } from '../telemetry/ssrf-guard';
import { tenantIdOf, type RequestContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';

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
    // Private literal addresses are refused now; names are checked at every delivery's connect.
    const refusal = refusalForLiteralHost(
      new URL(args.url),
      new AddressPolicy(AddressPolicy.networksFromEnv()),
    );
    if (refusal)
      throw new BadInputError([{ field: 'url', message: `not a public address: ${refusal}` }]);
    const tenantId = tenantIdOf(context);
    const secret = `whsec_${crypto.randomBytes(32).toString('base64url')}`;
    const webhook = await withTenant(context.dataSource, tenantId, (manager) =>
      manager.save(
        manager.create(Webhook, {
          tenantId,
          id: crypto.randomUUID(),
          url: args.url,
          events: [...new Set(args.events)],
          secret,
          disabledAt: null,
        }),
      ),
    );
    return { webhook: toWebhookType(webhook), secret };
  }
}
