import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { Webhook } from '../entities/webhook.entity';
import { BadInputError, NotFoundError } from '../errors/app-errors';
import { isUuid } from '../services/ids';
import { createProbeClient } from '../telemetry/prober';
import { AddressPolicy } from '../telemetry/ssrf-guard';
import { withTenant } from '../tenancy/with-tenant';
import { recordDelivery, sendDelivery, type DeliveryResult } from './send';

// Each call runs in one tenant transaction (withTenant): RLS limits it to that tenant.

/** Finds a webhook; another tenant's id is NOT_FOUND, exactly like a made-up one. */
export async function getWebhook(manager: EntityManager, id: string): Promise<Webhook> {
  const webhook = isUuid(id) ? await manager.findOneBy(Webhook, { id }) : null;
  if (!webhook) throw new NotFoundError('Webhook', id);
  return webhook;
}

/** One page in creation order, keyset-paginated after the webhook `afterId`. */
async function listWebhooksIn(
  manager: EntityManager,
  options: { first: number; afterId?: string },
): Promise<{ webhooks: Webhook[]; hasNextPage: boolean }> {
  const query = manager
    .createQueryBuilder(Webhook, 'w')
    .orderBy('w.created_at', 'ASC')
    .addOrderBy('w.id', 'ASC')
    .limit(options.first + 1);
  if (options.afterId) {
    if (!(await manager.existsBy(Webhook, { id: options.afterId })))
      throw new BadInputError([{ field: 'after', message: 'is not a cursor this API gave out' }]);
    query.andWhere(
      '(w.created_at, w.id) > (select a.created_at, a.id from webhooks a where a.id = :afterId)',
      { afterId: options.afterId },
    );
  }
  const rows = await query.getMany();
  return { webhooks: rows.slice(0, options.first), hasNextPage: rows.length > options.first };
}

/** Deletes a webhook and its delivery log; queued deliveries for it are then skipped. */
async function deleteWebhookIn(manager: EntityManager, id: string): Promise<Webhook> {
  const webhook = await getWebhook(manager, id);
  await manager.delete(Webhook, { tenantId: webhook.tenantId, id: webhook.id });
  return webhook;
}

export interface DeliveryLogEntry {
  at: Date;
  event: string;
  deliveryId: string;
  attempt: number;
  statusCode: number | null;
  latencyMs: number | null;
  error: string | null;
}

/** The webhook's latest `first` delivery attempts, newest first. */
async function webhookDeliveriesIn(
  manager: EntityManager,
  webhookId: string,
  first: number,
): Promise<DeliveryLogEntry[]> {
  const rows: Array<{
    at: Date;
    event: string;
    delivery_id: string;
    attempt: number;
    status_code: number | null;
    latency_ms: number | null;
    error: string | null;
  }> = await manager.query(
    `select at, event, delivery_id, attempt, status_code, latency_ms, error from webhook_deliveries
      where webhook_id = $1 order by at desc, id limit $2`,
    [webhookId, first],
  );
  return rows.map((r) => ({
    at: r.at,
    event: r.event,
    deliveryId: r.delivery_id,
    attempt: r.attempt,
    statusCode: r.status_code,
    latencyMs: r.latency_ms,
    error: r.error,
  }));
}

/**
 * Sends a test event to a webhook now, in its format, through the SSRF guard, and answers how it
 * went (status code, latency, error); the attempt goes to the delivery log. For PagerDuty the test
 * incident is resolved at once. NOT_FOUND for another tenant's id, like a made-up one. Used by the
 * `testWebhook` mutation and the CLI's `webhooks test`.
 */
export async function testWebhook(
  dataSource: DataSource,
  tenantId: string,
  id: string,
  options: { publicUrl: string; allowNetworks: string[] },
): Promise<DeliveryResult> {
  const hook = await withTenant(dataSource, tenantId, async (m) => {
    await getWebhook(m, id);
    return m
      .createQueryBuilder(Webhook, 'w')
      .addSelect(['w.secret', 'w.routingKey'])
      .where('w.id = :id', { id })
      .getOneOrFail();
  });
  const deliveryId = crypto.randomUUID().replace(/-/g, '');
  const data = { incidentId: `test-${deliveryId}`, minute: new Date().toISOString() };
  const client = createProbeClient(new AddressPolicy(options.allowNetworks));
  try {
    const result = await sendDelivery(
      client.dispatcher,
      hook,
      { tenantId, event: 'TEST', deliveryId, data },
      options.publicUrl,
    );
    if (result.ok && hook.format === 'PAGERDUTY')
      await sendDelivery(
        client.dispatcher,
        hook,
        { tenantId, event: 'RESOLVED', deliveryId, data },
        options.publicUrl,
      );
    await withTenant(dataSource, tenantId, (m) =>
      recordDelivery(m, tenantId, hook.id, { event: 'TEST', deliveryId, attempt: 1, result }),
    );
    return result;
  } finally {
    await client.close();
  }
}

/** One page of the tenant's webhooks in creation order, keyset-paginated after `afterId`. */
export function listWebhooks(
  dataSource: DataSource,
  tenantId: string,
  options: { first: number; afterId?: string },
): Promise<{ webhooks: Webhook[]; hasNextPage: boolean }> {
  return withTenant(dataSource, tenantId, (m) => listWebhooksIn(m, options));
}

/** Deletes a webhook and its delivery log; NOT_FOUND for another tenant's id, like a made-up one. */
export function deleteWebhook(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<Webhook> {
  return withTenant(dataSource, tenantId, (m) => deleteWebhookIn(m, id));
}

/** A webhook's latest `first` delivery attempts, newest first. */
export function webhookDeliveries(
  dataSource: DataSource,
  tenantId: string,
  webhookId: string,
  first: number,
): Promise<DeliveryLogEntry[]> {
  return withTenant(dataSource, tenantId, (m) => webhookDeliveriesIn(m, webhookId, first));
}
