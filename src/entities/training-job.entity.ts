import { Column, CreateDateColumn, Entity } from 'typeorm';
import type { TrainingEvent, TrainingRequest, TrainingState } from '../training/training-events';
import { TenantOwned } from './tenant-owned';

/** One trainModel call; its state changes only through src/training/training-jobs.ts. */
@Entity({ name: 'training_jobs' })
export class TrainingJob extends TenantOwned {
  @Column('text')
  state!: TrainingState;

  @Column('jsonb')
  request!: TrainingRequest;

  @Column('int')
  attempt!: number;

  @Column('int')
  seq!: number;

  @Column('jsonb', { name: 'last_event' })
  lastEvent!: TrainingEvent;

  @Column('boolean', { name: 'cancel_requested' })
  cancelRequested!: boolean;

  @Column('uuid', { name: 'model_id', nullable: true })
  modelId!: string | null;

  @Column('text', { nullable: true })
  reason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt!: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;

  /** Every event of the job, in order (the evaluation only on `lastEvent`). */
  @Column('jsonb', { default: () => "'[]'" })
  events!: TrainingEvent[];
}
