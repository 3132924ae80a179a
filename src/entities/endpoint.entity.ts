import { Column, CreateDateColumn, Entity } from 'typeorm';
import { TenantOwned } from './tenant-owned';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethodName = (typeof HTTP_METHODS)[number];

/** An HTTP endpoint a tenant monitors, with its SLA (SPEC section 4). */
@Entity({ name: 'endpoints' })
export class Endpoint extends TenantOwned {
  @Column('text')
  name!: string;

  @Column('text')
  url!: string;

  @Column('text')
  method!: HttpMethodName;

  @Column('int', { name: 'expected_status_codes', array: true })
  expectedStatusCodes!: number[];

  /** False for endpoints fed only by pushed telemetry: the prober leaves them alone. */
  @Column('boolean', { name: 'probe_enabled' })
  probeEnabled!: boolean;

  /** Shown on the tenant's public status page (by name only; never its URL). */
  @Column('boolean', { default: false })
  public!: boolean;

  @Column('int', { name: 'probe_interval_seconds' })
  probeIntervalSeconds!: number;

  @Column('int', { name: 'timeout_ms' })
  timeoutMs!: number;

  @Column('double precision', { name: 'latency_threshold_ms' })
  latencyThresholdMs!: number;

  @Column('double precision', { name: 'latency_percentile' })
  latencyPercentile!: number;

  @Column('double precision', { name: 'error_rate_threshold' })
  errorRateThreshold!: number;

  @Column('int', { name: 'window_minutes' })
  windowMinutes!: number;

  @Column('double precision', { name: 'availability_target' })
  availabilityTarget!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'archived_at', nullable: true })
  archivedAt!: Date | null;
}
