import type { ModelRecord } from '../ml/artifact';
import type { Calibration } from '../ml/calibration';
import type { Normalization } from '../ml/dataset';
import type { EpochReport } from '../ml/mlp';
import type { StoredEvaluation } from '../ml/stored-evaluation';
import type { AggregateSettings } from './global-aggregate';
import type { TrainingRequest } from './training-events';

/** Parent (worker) to child: train once, then exit. */
export interface TrainCommand {
  type: 'train';
  appDatabaseUrl: string;
  /** GLOBAL jobs read the anonymised aggregate as the platform role. */
  platformDatabaseUrl?: string;
  /** The worker's configuration of the aggregate's guards (the child reads no environment). */
  aggregate: AggregateSettings;
  tenantId: string;
  jobId: string;
  request: TrainingRequest;
}

/** What a finished training sends back; weights travel as base64 (IPC is JSON). */
export interface TrainedPayload {
  horizonMinutes: number;
  featureNames: string[];
  normalization: Normalization;
  hiddenUnits: number[];
  threshold: number;
  calibration: Calibration | null;
  trainingFrom: string;
  trainingTo: string;
  epochs: number;
  backend: string;
  evaluation: StoredEvaluation;
  baseModelId: string | null;
  artifact: {
    topology: object;
    weightSpecs: object[];
    weightsBase64: string;
    sha256: string;
    /** What the SHA-256 covers besides the weights. */
    record?: ModelRecord;
  };
}

export type ChildMessage =
  | { type: 'epoch'; report: EpochReport }
  | { type: 'done'; payload: TrainedPayload }
  /** The data cannot make a model (no breaches, too few rows): not worth a retry. */
  | { type: 'refused'; reason: string };
