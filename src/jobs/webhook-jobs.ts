import crypto from 'node:crypto';
import type Bull from 'bull';
import type { DataSource } from 'typeorm';
import { Webhook } from '../entities/webhook.entity';
import type { DeliveryEvent, NoticeData } from '../notifications/notice';
import { prepareNotice } from '../notifications/notify';
import { recordDelivery, sendDelivery } from '../notifications/send';
import { createProbeClient } from '../telemetry/prober';
import { AddressPolicy } from '../telemetry/ssrf-guard';
import { withTenant } from '../tenancy/with-tenant';
import { defineJob, enqueue, type TenantScoped } from './job-definition';
import type { ProcessorRegistration } from './processor';

export { signature } from '../notifications/send';

export const WEBHOOK_QUEUE = 'webhooks';

export interface WebhookDelivery extends TenantScoped {
  webhookId: string;
  event: DeliveryEvent;
  /** Stable per event and webhook: receivers deduplicate retries by it. */
  deliveryId: string;
  payload: NoticeData;
}

/** 8 tries over about 8 minutes (2 s doubling); the latest 1000 finished jobs kept each way. */
export const WEBHOOK_JOB = defineJob<WebhookDelivery>({
  queue: WEBHOOK_QUEUE,
  attempts: 8,
  backoff: { type: 'exponential', delay: 2000 },
  keep: { completed: 1000, failed: 1000 },
});

/**
 * Whether a webhook hears an event. PagerDuty hooks hear every ending (RECOVERED, RESOLVED) and
 * acknowledgement: an incident they were told about must follow there, whatever events they chose.
 */
export function hears(hook: Pick<Webhook, 'events' | 'format'>, event: DeliveryEvent): boolean {
  if (event === 'RESOLVED' || event === 'ACKNOWLEDGED') return hook.format === 'PAGERDUTY';
  if (event === 'TEST') return false;
  return hook.events.includes(event) || (event === 'RECOVERED' && hook.format === 'PAGERDUTY');
}

/**
 * Queues one delivery per live webhook that hears the event. An event about an endpoint is named
 * (endpoint, SLA, incident) and dropped in maintenance or when acknowledged (prepareNotice). The
 * Bull job id is the delivery id, so the same event (same key) is never queued twice, however
 * often it is reported.
 */
export async function enqueueWebhookEvent(
  dataSource: DataSource,
  queue: Bull.Queue<WebhookDelivery>,
  tenantId: string,
  event: DeliveryEvent,
  key: string,
  payload: NoticeData,
  now = new Date(),
): Promise<void> {
  const prepared = await withTenant(dataSource, tenantId, async (m) => {
    const data = await prepareNotice(m, tenantId, event, payload, now);
    return data ? { data, hooks: await m.find(Webhook) } : null;
  });
  if (!prepared) return;
  for (const hook of prepared.hooks.filter((h) => !h.disabledAt && hears(h, event))) {
    const deliveryId = crypto
      .createHash('sha256')
      .update(`${hook.id}:${event}:${key}`)
      .digest('hex')
      .slice(0, 32);
    await enqueue(
      queue,
      WEBHOOK_JOB,
      { tenantId, webhookId: hook.id, event, deliveryId, payload: prepared.data },
      { jobId: deliveryId },
    );
  }
}

/**
 * Posts a delivery in its webhook's format, signed, through the prober's SSRF guard (no private
 * addresses), and logs the attempt. A non-2xx answer or a network error fails the attempt; Bull
 * retries with exponential backoff (8 tries over about 8 minutes).
 */
export function createWebhookProcessor(allowNetworks: string[]): ProcessorRegistration {
  const client = createProbeClient(new AddressPolicy(allowNetworks));
  return {
    queue: WEBHOOK_QUEUE,
    concurrency: 10,
    close: () => client.close(),
    // Each attempt is already in the delivery log; this says that no further one will follow.
    onFinalFailure: async (job: Bull.Job<WebhookDelivery>, failure, { logger }) => {
      const { tenantId, webhookId, event, deliveryId } = job.data;
      logger.warn(
        { tenantId, webhookId, event, deliveryId, stalled: failure.stalled },
        'webhook delivery given up',
      );
    },
    process: async (job: Bull.Job<WebhookDelivery>, { dataSource, config }) => {
      const { tenantId, webhookId, event, deliveryId, payload } = job.data;
      const hook = await withTenant(dataSource, tenantId, (m) =>
        m
          .createQueryBuilder(Webhook, 'w')
          .addSelect(['w.secret', 'w.routingKey'])
          .where('w.id = :id', { id: webhookId })
          .getOne(),
      );
      if (!hook || hook.disabledAt) return { skipped: 'webhook removed or disabled' };
      const delivery = { tenantId, event, deliveryId, data: payload };
      const result = await sendDelivery(client.dispatcher, hook, delivery, config.publicUrl);
      await withTenant(dataSource, tenantId, (m) =>
        recordDelivery(m, tenantId, hook.id, {
          event,
          deliveryId,
          attempt: job.attemptsMade + 1,
          result,
        }),
      );
      if (!result.ok) throw new Error(result.error ?? 'delivery failed');
      return { status: result.statusCode };
    },
  };
}
