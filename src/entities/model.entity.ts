import { Column, CreateDateColumn, Entity } from 'typeorm';
import type { Calibration } from '../ml/calibration';
import type { Normalization } from '../ml/dataset';
import type { StoredEvaluation } from '../ml/stored-evaluation';
import { TenantOwned } from './tenant-owned';

export const MODEL_STATUSES = ['CANDIDATE', 'ACTIVE', 'RETIRED'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** A registry entry. The artifact columns are not selected unless asked for (scoring only). */
@Entity({ name: 'models' })
export class Model extends TenantOwned {
  @Column('int')
  version!: number;

  @Column('text')
  status!: ModelStatus;

  @Column('text')
  kind!: 'mlp';

  @Column('int', { name: 'horizon_minutes' })
  horizonMinutes!: number;

  @Column('text', { name: 'feature_names', array: true })
  featureNames!: string[];

  @Column('jsonb')
  normalization!: Normalization;

  @Column('int', { name: 'hidden_units', array: true })
  hiddenUnits!: number[];

  /** On the calibrated scale when `calibration` is set. */
  @Column('float8')
  threshold!: number;

  /** Platt scaling fitted on validation; null for models trained before calibration. */
  @Column('jsonb', { nullable: true })
  calibration!: Calibration | null;

  /** 1: the SHA-256 covers topology and weights; 2: also the record (threshold, normalisation...). */
  @Column('smallint', { name: 'digest_version', default: 1 })
  digestVersion!: number;

  /** Why the model was or was not promoted automatically (the promotion gate). */
  @Column('text', { name: 'promotion_decision', nullable: true })
  promotionDecision!: string | null;

  /** Set by the worker when it refused to load the model (why), cleared when it loads again. */
  @Column('text', { name: 'refused_reason', nullable: true })
  refusedReason!: string | null;

  @Column('timestamptz', { name: 'training_from' })
  trainingFrom!: Date;

  @Column('timestamptz', { name: 'training_to' })
  trainingTo!: Date;

  @Column('jsonb')
  evaluation!: StoredEvaluation;

  @Column('uuid', { name: 'parent_id', nullable: true })
  parentId!: string | null;

  /** The global model a tenant model was fine-tuned from. */
  @Column('uuid', { name: 'base_model_id', nullable: true })
  baseModelId!: string | null;

  @Column('uuid', { name: 'training_job_id', nullable: true })
  trainingJobId!: string | null;

  @Column('json', { select: false })
  topology!: object;

  @Column('json', { name: 'weight_specs', select: false })
  weightSpecs!: object[];

  @Column('bytea', { select: false })
  weights!: Buffer;

  @Column('text', { name: 'artifact_sha256' })
  artifactSha256!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'promoted_at', nullable: true })
  promotedAt!: Date | null;

  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt!: Date | null;
}
