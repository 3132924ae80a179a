import crypto from 'node:crypto';
import type Bull from 'bull';
import { request } from 'undici';
import type { DataSource } from 'typeorm';
import { Webhook, type WebhookEvent } from '../entities/webhook.entity';
import { createProbeClient } from '../telemetry/prober';
import { AddressPolicy } from '../telemetry/ssrf-guard';
import { withTenant } from '../tenancy/with-tenant';
import type { ProcessorRegistration } from './processor';

export const WEBHOOK_QUEUE = 'webhooks';

export interface WebhookDelivery {
  tenantId: string;
  webhookId: string;
  event: WebhookEvent;
  /** Stable per event and webhook: receivers deduplicate retries by it. */
  deliveryId: string;
  payload: Record<string, unknown>;
}

/** `sha256=` + HMAC-SHA256 over `<timestamp>.<body>`, as Stripe and GitHub sign theirs. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Queues one delivery per live webhook subscribed to the event. The Bull job id is the delivery
 * id, so the same event (same key) is never queued twice, however often it is reported.
 */
export async function enqueueWebhookEvent(
  dataSource: DataSource,
  queue: Bull.Queue<WebhookDelivery>,
  tenantId: string,
  event: WebhookEvent,
  key: string,
  payload: Record<string, unknown>,
): Promise<void> {
  const hooks = await withTenant(dataSource, tenantId, (m) => m.find(Webhook));
  for (const hook of hooks.filter((h) => !h.disabledAt && h.events.includes(event))) {
    const deliveryId = crypto
      .createHash('sha256')
      .update(`${hook.id}:${event}:${key}`)
      .digest('hex')
      .slice(0, 32);
    await queue.add(
      { tenantId, webhookId: hook.id, event, deliveryId, payload },
      {
        jobId: deliveryId,
        attempts: 8,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    );
  }
}

/**
 * Posts a delivery, signed, through the prober's SSRF guard (no private addresses). A non-2xx
 * answer or a network error fails the attempt; Bull retries with exponential backoff (8 tries over
 * about 8 minutes).
 */
export function createWebhookProcessor(allowNetworks: string[]): ProcessorRegistration {
  const client = createProbeClient(new AddressPolicy(allowNetworks));
  return {
    queue: WEBHOOK_QUEUE,
    concurrency: 10,
    close: () => client.close(),
    process: async (job: Bull.Job<WebhookDelivery>, { dataSource }) => {
      const { tenantId, webhookId, event, deliveryId, payload } = job.data;
      const hook = await withTenant(dataSource, tenantId, (m) =>
        m
          .createQueryBuilder(Webhook, 'w')
          .addSelect('w.secret')
          .where('w.id = :id', { id: webhookId })
          .getOne(),
      );
      if (!hook || hook.disabledAt) return { skipped: 'webhook removed or disabled' };
      const body = JSON.stringify({ event, deliveryId, tenantId, data: payload });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const response = await request(hook.url, {
        method: 'POST',
        dispatcher: client.dispatcher,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Sentinel-Webhook/1',
          'x-sentinel-event': event,
          'x-sentinel-delivery': deliveryId,
          'x-sentinel-timestamp': timestamp,
          'x-sentinel-signature': signature(hook.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.body.dump();
      if (response.statusCode < 200 || response.statusCode >= 300)
        throw new Error(`webhook answered ${response.statusCode}`);
      return { status: response.statusCode };
    },
  };
}
