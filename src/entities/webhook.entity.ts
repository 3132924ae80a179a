import { Column, CreateDateColumn, Entity } from 'typeorm';
import { TenantOwned } from './tenant-owned';

export const WEBHOOK_EVENTS = ['BREACH_PREDICTED', 'BREACH_STARTED', 'RECOVERED'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** GENERIC: Sentinel's signed JSON; SLACK: an incoming-webhook message; PAGERDUTY: Events API v2. */
export const WEBHOOK_FORMATS = ['GENERIC', 'SLACK', 'PAGERDUTY'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

@Entity({ name: 'webhooks' })
export class Webhook extends TenantOwned {
  @Column('text')
  url!: string;

  @Column('text', { array: true })
  events!: WebhookEvent[];

  @Column('text', { default: 'GENERIC' })
  format!: WebhookFormat;

  /** Signs deliveries (HMAC-SHA256); shown once, at creation. */
  @Column('text', { select: false })
  secret!: string;

  /** PagerDuty's integration (routing) key: a secret, never returned. */
  @Column('text', { name: 'routing_key', nullable: true, select: false })
  routingKey!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt!: Date | null;
}
