import type { Model } from '../entities/model.entity';
import { GLOBAL_SCOPE_ID } from '../entities/tenant.entity';
import type { TrainingJob } from '../entities/training-job.entity';
import type { Webhook } from '../entities/webhook.entity';
import type { StoredEvaluation } from '../ml/stored-evaluation';
import type { TrainingEvent } from '../training/training-events';
import { ModelScope, type ModelEvaluation, type ModelStatus, type ModelType } from './model.types';
import type { TrainingJobType, TrainingProgress, TrainingState } from './training.types';
import type { WebhookEventType, WebhookFormatType, WebhookType } from './webhook.types';

/** Rows and stored JSON to GraphQL objects, for the intelligence part of the schema. */
export function toModelEvaluation(stored: StoredEvaluation): ModelEvaluation {
  return {
    ...stored,
    testFrom: new Date(stored.testFrom),
    testTo: new Date(stored.testTo),
    incumbent: stored.incumbent ?? null,
  };
}

export function toModelType(model: Model): ModelType {
  return {
    id: model.id,
    scope: model.tenantId === GLOBAL_SCOPE_ID ? ModelScope.GLOBAL : ModelScope.TENANT,
    version: model.version,
    status: model.status as ModelStatus,
    kind: model.kind,
    horizonMinutes: model.horizonMinutes,
    featureNames: model.featureNames,
    hiddenUnits: model.hiddenUnits,
    threshold: model.threshold,
    calibrated: model.calibration !== null,
    promotionDecision: model.promotionDecision,
    refusedReason: model.refusedReason,
    trainingFrom: model.trainingFrom,
    trainingTo: model.trainingTo,
    evaluation: toModelEvaluation(model.evaluation),
    parentId: model.parentId,
    trainingJobId: model.trainingJobId,
    artifactSha256: model.artifactSha256,
    createdAt: model.createdAt,
    promotedAt: model.promotedAt,
    retiredAt: model.retiredAt,
  };
}

export function toTrainingProgress(event: TrainingEvent): TrainingProgress {
  return {
    ...event,
    state: event.state as TrainingState,
    at: new Date(event.at),
    evaluation: event.evaluation ? toModelEvaluation(event.evaluation) : null,
    phase: event.phase ?? null,
  };
}

export function toTrainingJobType(job: TrainingJob): TrainingJobType {
  return {
    id: job.id,
    state: job.state as TrainingState,
    horizonMinutes: job.request.horizonMinutes,
    maxEpochs: job.request.epochs,
    windowDays: job.request.windowDays,
    attempt: job.attempt,
    cancelRequested: job.cancelRequested,
    progress: toTrainingProgress(job.lastEvent),
    events: (job.events ?? []).map(toTrainingProgress),
    modelId: job.modelId,
    reason: job.reason,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

export function toWebhookType(hook: Webhook): WebhookType {
  return {
    id: hook.id,
    // A Slack incoming-webhook URL is its own credential: only its host is shown again.
    url: hook.format === 'SLACK' ? `${new URL(hook.url).origin}/…` : hook.url,
    format: hook.format as WebhookFormatType,
    events: hook.events as WebhookEventType[],
    createdAt: hook.createdAt,
  };
}
