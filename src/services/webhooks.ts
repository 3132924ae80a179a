import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Webhook, type WebhookEvent, type WebhookFormat } from '../entities/webhook.entity';
import { BadInputError } from '../errors/app-errors';
import { PAGERDUTY_EVENTS_URL } from '../notifications/pagerduty-event';
import { AddressPolicy, refusalForLiteralHost } from '../telemetry/ssrf-guard';
import { withTenant } from '../tenancy/with-tenant';

export interface NewWebhook {
  /** PAGERDUTY may leave it out: PagerDuty's Events API v2 URL. */
  url?: string | null;
  events: WebhookEvent[];
  format?: WebhookFormat;
  /** PAGERDUTY only, and required there: the integration's routing key. */
  routingKey?: string | null;
}

/** A new subscription and its signing secret, which is shown this once. */
export async function createWebhook(
  dataSource: DataSource,
  tenantId: string,
  input: NewWebhook,
  allowNetworks: string[],
): Promise<{ webhook: Webhook; secret: string }> {
  const format = input.format ?? 'GENERIC';
  const url = input.url ?? (format === 'PAGERDUTY' ? PAGERDUTY_EVENTS_URL : null);
  if (!url) throw new BadInputError([{ field: 'url', message: 'is required for this format' }]);
  if (format === 'PAGERDUTY' && !input.routingKey)
    throw new BadInputError([{ field: 'routingKey', message: 'is required for PAGERDUTY' }]);
  if (format !== 'PAGERDUTY' && input.routingKey)
    throw new BadInputError([{ field: 'routingKey', message: 'is only for PAGERDUTY' }]);
  // Private literal addresses are refused now; names are checked at every delivery's connect.
  const refusal = refusalForLiteralHost(new URL(url), new AddressPolicy(allowNetworks));
  if (refusal)
    throw new BadInputError([{ field: 'url', message: `not a public address: ${refusal}` }]);
  const secret = `whsec_${crypto.randomBytes(32).toString('base64url')}`;
  const webhook = await withTenant(dataSource, tenantId, (manager) =>
    manager.save(
      manager.create(Webhook, {
        tenantId,
        id: crypto.randomUUID(),
        url,
        events: [...new Set(input.events)],
        format,
        secret,
        routingKey: format === 'PAGERDUTY' ? input.routingKey! : null,
        disabledAt: null,
      }),
    ),
  );
  return { webhook, secret };
}
