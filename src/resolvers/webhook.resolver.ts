import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import * as webhooks from '../notifications/webhooks';
import { toWebhookType } from '../schema/intelligence-mappers';
import {
  assertPageSize,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
} from '../schema/pagination';
import {
  CreatedWebhook,
  CreateWebhookArgs,
  WebhookConnection,
  WebhookDeliveryType,
  WebhookTestResult,
  WebhookType,
} from '../schema/webhook.types';
import { createWebhook } from '../services/webhooks';
import { tenantIdOf, type RequestContext } from '../tenancy/context';

@Resolver(() => WebhookType)
export class WebhookResolver {
  @Authorized('admin')
  @Mutation(() => CreatedWebhook, {
    description:
      'Subscribes a URL to predicted and actual breaches and recoveries, in a format (signed JSON, Slack, PagerDuty). Deliveries are retried with backoff.',
  })
  async createWebhook(
    @Args(() => CreateWebhookArgs) args: CreateWebhookArgs,
    @Ctx() context: RequestContext,
  ): Promise<CreatedWebhook> {
    const { webhook, secret } = await createWebhook(
      context.dataSource,
      tenantIdOf(context),
      args,
      context.config.probeAllowNetworks,
    );
    return { webhook: toWebhookType(webhook), secret };
  }

  @Authorized('admin')
  @Query(() => WebhookConnection, {
    description: 'Webhooks in creation order.',
    complexity: ({ args, childComplexity }) =>
      1 + childComplexity * Number(args.first ?? DEFAULT_PAGE_SIZE),
  })
  async webhooks(
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE_SIZE }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<WebhookConnection> {
    assertPageSize(first);
    const afterId = after ? decodeCursor('webhook', after) : undefined;
    const page = await webhooks.listWebhooks(context.dataSource, tenantIdOf(context), {
      first,
      afterId,
    });
    const edges = page.webhooks.map((w) => ({
      cursor: encodeCursor('webhook', w.id),
      node: toWebhookType(w),
    }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Authorized('admin')
  @Mutation(() => WebhookType, {
    description: 'Deletes a webhook and its delivery log; deliveries still queued are dropped.',
  })
  async deleteWebhook(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<WebhookType> {
    return toWebhookType(await webhooks.deleteWebhook(context.dataSource, tenantIdOf(context), id));
  }

  @Authorized('admin')
  @Mutation(() => WebhookTestResult, {
    description:
      'Sends a test event to the webhook now, in its format, and answers the status code, latency and error. Logged with its deliveries.',
  })
  async testWebhook(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<WebhookTestResult> {
    return webhooks.testWebhook(context.dataSource, tenantIdOf(context), id, {
      publicUrl: context.config.publicUrl,
      allowNetworks: context.config.probeAllowNetworks,
    });
  }

  @Authorized('admin')
  @FieldResolver(() => [WebhookDeliveryType], {
    description: 'The latest delivery attempts (and tests), newest first.',
    complexity: ({ args, childComplexity }) => 1 + childComplexity * Number(args.first ?? 20),
  })
  async deliveries(
    @Root() webhook: WebhookType,
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
  ): Promise<WebhookDeliveryType[]> {
    assertPageSize(first);
    return webhooks.webhookDeliveries(context.dataSource, tenantIdOf(context), webhook.id, first);
  }
}
