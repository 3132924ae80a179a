import { Column, CreateDateColumn, Entity } from 'typeorm';
import { TenantOwned } from './tenant-owned';

export const WEBHOOK_EVENTS = ['BREACH_PREDICTED', 'BREACH_STARTED'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

@Entity({ name: 'webhooks' })
export class Webhook extends TenantOwned {
  @Column('text')
  url!: string;

  @Column('text', { array: true })
  events!: WebhookEvent[];

  /** Signs deliveries (HMAC-SHA256); shown once, at creation. */
  @Column('text', { select: false })
  secret!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt!: Date | null;
}
