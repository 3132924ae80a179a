import crypto from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import type { EntityManager } from 'typeorm';
import type { Webhook } from '../entities/webhook.entity';
import type { DeliveryEvent, NoticeData } from './notice';
import { pagerDutyEvent } from './pagerduty-event';
import { slackMessage } from './slack-message';

/** `sha256=` + HMAC-SHA256 over `<timestamp>.<body>`, as Stripe and GitHub sign theirs. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface Delivery {
  tenantId: string;
  event: DeliveryEvent;
  /** Stable per event and webhook: receivers deduplicate retries by it. */
  deliveryId: string;
  data: NoticeData;
}

export interface DeliveryResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** A webhook with its secrets loaded (they are not selected by default). */
export type LoadedWebhook = Pick<Webhook, 'id' | 'url' | 'format' | 'secret' | 'routingKey'>;

/** The body of a delivery in the webhook's format. */
export function deliveryBody(hook: LoadedWebhook, delivery: Delivery, publicUrl: string): string {
  const { event, deliveryId, tenantId, data } = delivery;
  switch (hook.format) {
    case 'SLACK':
      return JSON.stringify(slackMessage(event, data, publicUrl));
    case 'PAGERDUTY':
      return JSON.stringify(pagerDutyEvent(event, data, hook.routingKey ?? '', publicUrl));
    default:
      return JSON.stringify({ event, deliveryId, tenantId, data });
  }
}

const describeError = (err: unknown): string => {
  const e = err as Error & { cause?: Error };
  return [e.message, e.cause?.message].filter(Boolean).join(': ').slice(0, 1000);
};

/**
 * POSTs one delivery, signed (every format carries the Sentinel headers; Slack and PagerDuty
 * ignore them), through the given dispatcher (the SSRF guard). Never throws: a refused target, a
 * network error or a non-2xx answer comes back as `ok: false` with the reason.
 */
export async function sendDelivery(
  dispatcher: Dispatcher,
  hook: LoadedWebhook,
  delivery: Delivery,
  publicUrl: string,
): Promise<DeliveryResult> {
  const body = deliveryBody(hook, delivery, publicUrl);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const started = process.hrtime.bigint();
  const latency = () => Number(process.hrtime.bigint() - started) / 1e6;
  try {
    const response = await request(hook.url, {
      method: 'POST',
      dispatcher,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Sentinel-Webhook/1',
        'x-sentinel-event': delivery.event,
        'x-sentinel-delivery': delivery.deliveryId,
        'x-sentinel-timestamp': timestamp,
        'x-sentinel-signature': signature(hook.secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.body.dump();
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    return {
      ok,
      statusCode: response.statusCode,
      latencyMs: latency(),
      error: ok ? null : `webhook answered ${response.statusCode}`,
    };
  } catch (err) {
    return { ok: false, statusCode: null, latencyMs: latency(), error: describeError(err) };
  }
}

/** Appends an attempt to the webhook's delivery log (in the caller's tenant transaction). */
export async function recordDelivery(
  manager: EntityManager,
  tenantId: string,
  webhookId: string,
  entry: { event: DeliveryEvent; deliveryId: string; attempt: number; result: DeliveryResult },
): Promise<void> {
  await manager.query(
    `insert into webhook_deliveries (tenant_id, webhook_id, event, delivery_id, attempt, status_code, latency_ms, error)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      tenantId,
      webhookId,
      entry.event,
      entry.deliveryId,
      entry.attempt,
      entry.result.statusCode,
      entry.result.latencyMs,
      entry.result.error,
    ],
  );
}
