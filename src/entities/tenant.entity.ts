import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const TENANT0_ID = '00000000-0000-0000-0000-000000000000';
/** The global model's scope: a reserved tenant row (migrations/0007) with no endpoints or keys. */
export const GLOBAL_SCOPE_ID = '00000000-0000-0000-0000-000000000001';

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

  /** Bumped by the database on every change to its endpoints or maintenance (status pages). */
  @Column({ type: 'bigint', name: 'status_version', insert: false, update: false })
  statusVersion!: string;

  /** Its anonymised features feed the global model; it receives the global model either way. */
  @Column('boolean', { name: 'contributes_to_global', default: true })
  contributesToGlobal!: boolean;

  /** New model kinds and features, switched on per tenant (Tenant0 first). */
  @Column('text', { name: 'feature_flags', array: true, default: () => "'{}'" })
  featureFlags!: string[];

  /** False alerts per endpoint-day accepted from a model: the promotion gate and serving guard. */
  @Column('float8', { name: 'false_alert_budget', default: 1 })
  falseAlertBudget!: number;

  /** Retrain on a schedule (through the promotion gate). */
  @Column('boolean', { name: 'auto_retrain', default: true })
  autoRetrain!: boolean;

  @Column('int', { name: 'retrain_every_days', default: 7 })
  retrainEveryDays!: number;
}
