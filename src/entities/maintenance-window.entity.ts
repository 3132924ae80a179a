import { Column, CreateDateColumn, Entity } from 'typeorm';
import { TenantOwned } from './tenant-owned';

/** An endpoint (or, without one, the whole tenant) in maintenance over [startsAt, endsAt). */
@Entity({ name: 'maintenance_windows' })
export class MaintenanceWindow extends TenantOwned {
  @Column('uuid', { name: 'endpoint_id', nullable: true })
  endpointId!: string | null;

  @Column('timestamptz', { name: 'starts_at' })
  startsAt!: Date;

  @Column('timestamptz', { name: 'ends_at' })
  endsAt!: Date;

  @Column('text', { default: '' })
  reason!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
