import type { StoredEvaluation } from '../ml/stored-evaluation';

export const TRAINING_STATES = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type TrainingState = (typeof TRAINING_STATES)[number];
export const TERMINAL_STATES: readonly TrainingState[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

/** What trainModel was asked, validated (src/schema/training.inputs.ts documents the ranges). */
export interface TrainingRequest {
  /** TENANT: the tenant's own model. GLOBAL: the platform model, from the anonymised aggregate. */
  scope: 'TENANT' | 'GLOBAL';
  horizonMinutes: number;
  epochs: number;
  windowDays: number;
  /** Omitted: every active endpoint of the tenant. */
  endpointIds: string[] | null;
  seed: number | null;
  autoPromote: boolean;
}

/**
 * One step of a job, numbered by `seq` (1 = QUEUED). The last one is kept on the job row, so a
 * late subscriber starts from it; later ones go out on the job's channel.
 */
export interface TrainingEvent {
  jobId: string;
  seq: number;
  state: TrainingState;
  at: string;
  attempt: number;
  maxEpochs: number;
  epoch: number | null;
  loss: number | null;
  validationLoss: number | null;
  validationPrAuc: number | null;
  modelId: string | null;
  promoted: boolean | null;
  evaluation: StoredEvaluation | null;
  reason: string | null;
  /**
   * RUNNING: COMPUTING_FEATURES (reading the data, before epoch 1), then TRAINING (each epoch).
   * Absent in events stored before phases existed.
   */
  phase?: TrainingPhase | null;
}

export const TRAINING_PHASES = ['COMPUTING_FEATURES', 'TRAINING'] as const;
export type TrainingPhase = (typeof TRAINING_PHASES)[number];

export function trainingChannel(jobId: string): string {
  return `sentinel:training:${jobId}`;
}

/** Cancellation requests reach the worker running the job through this channel. */
export function cancelChannel(jobId: string): string {
  return `sentinel:training-cancel:${jobId}`;
}
