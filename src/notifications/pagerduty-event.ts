import { describe, type DeliveryEvent, type NoticeData } from './notice';

/** Where Events API v2 events go unless the webhook names another URL. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

const SEVERITY: Partial<Record<DeliveryEvent, 'critical' | 'error' | 'warning' | 'info'>> = {
  BREACH_STARTED: 'critical',
  BREACH_PREDICTED: 'warning',
  TEST: 'info',
};

/** One dedup key per endpoint-episode, so a trigger and its resolve meet (255 characters at most). */
export function dedupKey(data: NoticeData): string {
  return `sentinel-${data.incidentId ?? data.endpointId ?? 'test'}`;
}

/**
 * An Events API v2 event: `trigger` for a predicted or started breach (and a test), `acknowledge`
 * when acknowledged in Sentinel, `resolve` when the episode ends. Triggers carry the documented payload (summary up to 1,024 characters, source,
 * severity, timestamp) with the endpoint and its SLA in custom_details.
 */
export function pagerDutyEvent(
  event: DeliveryEvent,
  data: NoticeData,
  routingKey: string,
  publicUrl: string,
): Record<string, unknown> {
  const dedup_key = dedupKey(data);
  if (event === 'RECOVERED' || event === 'RESOLVED')
    return { routing_key: routingKey, event_action: 'resolve', dedup_key };
  if (event === 'ACKNOWLEDGED')
    return { routing_key: routingKey, event_action: 'acknowledge', dedup_key };
  const links = data.statusPagePath
    ? [{ href: `${publicUrl}${data.statusPagePath}`, text: 'Status page' }]
    : [];
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: describe(event, data).slice(0, 1024),
      source: data.endpoint?.name ?? 'sentinel',
      severity: SEVERITY[event] ?? 'info',
      timestamp: data.minute ?? new Date().toISOString(),
      component: data.endpoint?.name,
      group: 'sentinel',
      class: event,
      custom_details: {
        event,
        endpoint: data.endpoint,
        probability: data.probability,
        threshold: data.threshold,
        horizonMinutes: data.horizonMinutes,
      },
    },
    client: 'Sentinel',
    client_url: publicUrl,
    links,
  };
}
