import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const TENANT0_ID = '00000000-0000-0000-0000-000000000000';

@Entity({ name: 'tenants' })
export class Tenant {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  slug!: string;

  @Column('text')
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Its status page is served at /status/<slug> (public endpoints only). */
  @Column('boolean', { name: 'status_page_published', default: false })
  statusPagePublished!: boolean;
}
