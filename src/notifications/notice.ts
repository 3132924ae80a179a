import type { WebhookEvent } from '../entities/webhook.entity';

/**
 * What is delivered: a webhook event, plus kinds only some formats hear. RESOLVED closes an
 * incident that ended without a breach episode (the predicted breach did not come, or the endpoint
 * was archived) and ACKNOWLEDGED tells of `acknowledgePrediction`: PagerDuty hears both, the
 * others stay quiet. TEST is `testWebhook`'s.
 */
export type DeliveryEvent = WebhookEvent | 'RESOLVED' | 'ACKNOWLEDGED' | 'TEST';

/** The endpoint as a notification names it: never only its id. */
export interface NoticeEndpoint {
  id: string;
  name: string;
  sla: {
    latencyThresholdMs: number;
    latencyPercentile: number;
    errorRateThreshold: number;
    windowMinutes: number;
    availabilityTarget: number;
  };
}

/** The `data` of a delivery. Fields beyond these (model id, top features) pass through as given. */
export interface NoticeData {
  [field: string]: unknown;
  endpointId?: string;
  endpoint?: NoticeEndpoint;
  /** The minute the event is about (ISO-8601). */
  minute?: string;
  /** The endpoint's incident (episode): PagerDuty's dedup key is made from it. */
  incidentId?: string;
  /** The tenant's status page path when the endpoint shows there (public, page published). */
  statusPagePath?: string | null;
  probability?: number;
  threshold?: number;
  horizonMinutes?: number;
  /** RECOVERED: the episode that ended. */
  episode?: { start: string; end: string; breachedMinutes: number };
}

export const percent = (value: number, digits = 1): string => `${(value * 100).toFixed(digits)}%`;

/** One line saying what happened, in words: shared by Slack's text and PagerDuty's summary. */
export function describe(event: DeliveryEvent, data: NoticeData): string {
  const name = data.endpoint?.name ?? data.endpointId ?? 'an endpoint';
  switch (event) {
    case 'BREACH_PREDICTED':
      return data.probability !== undefined && data.horizonMinutes !== undefined
        ? `${name}: SLA breach predicted, ${percent(data.probability)} risk within ${data.horizonMinutes} minutes`
        : `${name}: SLA breach predicted`;
    case 'BREACH_STARTED':
      return `${name}: SLA breach started`;
    case 'RECOVERED':
      return data.episode
        ? `${name}: recovered after ${data.episode.breachedMinutes} breached minutes`
        : `${name}: recovered`;
    case 'RESOLVED':
      return `${name}: the predicted breach did not happen`;
    case 'ACKNOWLEDGED':
      return `${name}: acknowledged`;
    case 'TEST':
      return 'Sentinel test event: this webhook is wired correctly';
  }
}

/** The SLA in one line, as people read it. */
export function slaLine(sla: NoticeEndpoint['sla']): string {
  return (
    `p${sla.latencyPercentile} latency at most ${sla.latencyThresholdMs} ms, errors at most ${percent(sla.errorRateThreshold)}` +
    ` over ${sla.windowMinutes} min, availability target ${percent(sla.availabilityTarget, 2)}`
  );
}
