import { Column, Entity } from 'typeorm';
import { TenantOwned } from './tenant-owned';

/**
 * One episode of trouble for an endpoint, as notifications see it: opened by a prediction or a
 * breach onset, resolved when the breach episode ends (or the predicted breach does not come).
 * Its id is the PagerDuty dedup key; an acknowledgement silences repeat predictions in it.
 */
@Entity({ name: 'endpoint_incidents' })
export class EndpointIncident extends TenantOwned {
  @Column('uuid', { name: 'endpoint_id' })
  endpointId!: string;

  @Column('timestamptz', { name: 'opened_at' })
  openedAt!: Date;

  @Column('timestamptz', { name: 'breach_started_at', nullable: true })
  breachStartedAt!: Date | null;

  @Column('timestamptz', { name: 'acknowledged_at', nullable: true })
  acknowledgedAt!: Date | null;

  @Column('timestamptz', { name: 'resolved_at', nullable: true })
  resolvedAt!: Date | null;

  /** Opened by an onset during maintenance: announced only if the breach outlasts the window. */
  @Column('boolean', { default: false })
  silenced!: boolean;
}
