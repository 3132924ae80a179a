import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Webhook, type WebhookEvent } from '../entities/webhook.entity';
import { BadInputError } from '../errors/app-errors';
import { AddressPolicy, refusalForLiteralHost } from '../telemetry/ssrf-guard';
import { withTenant } from '../tenancy/with-tenant';

export interface NewWebhook {
  url: string;
  events: WebhookEvent[];
}

/** A new subscription and its signing secret, which is shown this once. */
export async function createWebhook(
  dataSource: DataSource,
  tenantId: string,
  input: NewWebhook,
  allowNetworks: string[],
): Promise<{ webhook: Webhook; secret: string }> {
  // Private literal addresses are refused now; names are checked at every delivery's connect.
  const refusal = refusalForLiteralHost(new URL(input.url), new AddressPolicy(allowNetworks));
  if (refusal)
    throw new BadInputError([{ field: 'url', message: `not a public address: ${refusal}` }]);
  const secret = `whsec_${crypto.randomBytes(32).toString('base64url')}`;
  const webhook = await withTenant(dataSource, tenantId, (manager) =>
    manager.save(
      manager.create(Webhook, {
        tenantId,
        id: crypto.randomUUID(),
        url: input.url,
        events: [...new Set(input.events)],
        secret,
        disabledAt: null,
      }),
    ),
  );
  return { webhook, secret };
}
