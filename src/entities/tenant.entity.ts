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
}
