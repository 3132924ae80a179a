import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Model } from '../entities/model.entity';
import { GLOBAL_SCOPE_ID } from '../entities/tenant.entity';
import { ConflictError, NotFoundError } from '../errors/app-errors';
import type { ModelArtifact, ModelRecord } from '../ml/artifact';
import type { Calibration } from '../ml/calibration';
import type { Normalization } from '../ml/dataset';
import { promotionGate } from '../ml/promotion';
import type { StoredEvaluation } from '../ml/stored-evaluation';
import { isUuid } from '../services/ids';

// Every function here takes a manager from withTenant(): the registry is per tenant under RLS.
// Tenants can also read the global scope's models (they may serve them), so every query names
// the scope it means.
// Changes of status take a per-tenant advisory lock, so two promotions never interleave; the
// unique partial index `models_one_active` is the last line of defence.

export interface TrainedModel {
  horizonMinutes: number;
  featureNames: string[];
  normalization: Normalization;
  hiddenUnits: number[];
  threshold: number;
  calibration: Calibration | null;
  trainingFrom: Date;
  trainingTo: Date;
  evaluation: StoredEvaluation;
  artifact: ModelArtifact;
  /** The global model it was fine-tuned from. */
  baseModelId?: string | null;
}

async function lockRegistry(manager: EntityManager, tenantId: string): Promise<void> {
  await manager.query(`select pg_advisory_xact_lock(hashtext('sentinel.models:' || $1))`, [
    tenantId,
  ]);
}

export async function activeModel(manager: EntityManager, scopeId: string): Promise<Model | null> {
  return manager.findOneBy(Model, { tenantId: scopeId, status: 'ACTIVE' });
}

/** The active model (the tenant's own, else the global one) when the worker refuses to load it. */
export async function refusedActiveModel(
  manager: EntityManager,
  tenantId: string,
): Promise<Model | null> {
  for (const scope of [tenantId, GLOBAL_SCOPE_ID]) {
    const model = await activeModel(manager, scope);
    if (model) return model.refusedReason ? model : null;
  }
  return null;
}

/** A model the caller may read: its own scope's, or the global scope's when `scopeId` is omitted. */
export async function getModel(
  manager: EntityManager,
  id: string,
  scopeId?: string,
): Promise<Model> {
  const model = isUuid(id)
    ? await manager.findOneBy(Model, scopeId ? { id, tenantId: scopeId } : { id })
    : null;
  if (!model) throw new NotFoundError('Model', id);
  return model;
}

/** The part of a model's row its SHA-256 covers besides the weights (digest version 2). */
export function modelRecord(model: Model): ModelRecord {
  return {
    horizonMinutes: model.horizonMinutes,
    featureNames: model.featureNames,
    normalization: model.normalization,
    hiddenUnits: model.hiddenUnits,
    threshold: model.threshold,
    calibration: model.calibration,
  };
}

/** A model with its artifact columns (and its record, which the SHA-256 covers), for loading it. */
export async function withArtifact(
  manager: EntityManager,
  id: string,
): Promise<Model & ModelArtifact> {
  const model = await manager
    .createQueryBuilder(Model, 'm')
    .addSelect(['m.topology', 'm.weightSpecs', 'm.weights'])
    .where('m.id = :id', { id })
    .getOneOrFail();
  return Object.assign(model, {
    sha256: model.artifactSha256,
    ...(model.digestVersion >= 2 ? { record: modelRecord(model) } : {}),
  }) as Model & ModelArtifact;
}

/**
 * Stores a trained model as a CANDIDATE (next version) and promotes it when asked to and it passes
 * the promotion gate (src/ml/promotion.ts: beats the burn-rate alert, within the tenant's
 * false-alert budget, beats the active model on the same held-out minutes). If the active model
 * changed after the comparison was made, the comparison is stale: no promotion. The decision and
 * its reason are stored with the model.
 */
export async function registerModel(
  manager: EntityManager,
  tenantId: string,
  trained: TrainedModel,
  trainingJobId: string,
  autoPromote: boolean,
): Promise<{ model: Model; promoted: boolean }> {
  await lockRegistry(manager, tenantId);
  const [{ next }] = (await manager.query(
    'select coalesce(max(version), 0) + 1 as next from models where tenant_id = $1',
    [tenantId],
  )) as [{ next: number }];
  const active = await activeModel(manager, tenantId);
  const { incumbent } = trained.evaluation;
  const [scope] = (await manager.query('select false_alert_budget from tenants where id = $1', [
    tenantId,
  ])) as Array<{ false_alert_budget: number }>;
  const gate = promotionGate(
    trained.evaluation.model,
    trained.evaluation.burnRate,
    active === null
      ? null
      : incumbent !== null && incumbent.modelId === active.id
        ? incumbent.metrics
        : undefined,
    scope?.false_alert_budget ?? 1,
  );
  const promote = autoPromote && gate.promote;
  const promotionDecision = promote
    ? `promoted: ${gate.reason}`
    : gate.promote
      ? `not promoted (automatic promotion was off); it would pass: ${gate.reason}`
      : `kept as a candidate: ${gate.reason}`;
  if (promote && active)
    await manager.update(
      Model,
      { tenantId, id: active.id },
      { status: 'RETIRED', retiredAt: new Date() },
    );
  const model = manager.create(Model, {
    tenantId,
    id: crypto.randomUUID(),
    version: next,
    status: promote ? 'ACTIVE' : 'CANDIDATE',
    kind: 'mlp',
    horizonMinutes: trained.horizonMinutes,
    featureNames: trained.featureNames,
    normalization: trained.normalization,
    hiddenUnits: trained.hiddenUnits,
    threshold: trained.threshold,
    calibration: trained.calibration,
    digestVersion: trained.artifact.record ? 2 : 1,
    trainingFrom: trained.trainingFrom,
    trainingTo: trained.trainingTo,
    evaluation: trained.evaluation,
    parentId: active?.id ?? null,
    baseModelId: trained.baseModelId ?? null,
    trainingJobId,
    topology: trained.artifact.topology,
    weightSpecs: trained.artifact.weightSpecs as unknown as object[],
    weights: trained.artifact.weights,
    artifactSha256: trained.artifact.sha256,
    promotedAt: promote ? new Date() : null,
    retiredAt: null,
    promotionDecision,
  });
  await manager.insert(Model, model);
  return { model: await getModel(manager, model.id, tenantId), promoted: promote };
}

/** Makes a model ACTIVE (a candidate, or a retired one: going back), retiring the active one. */
export async function promoteModel(
  manager: EntityManager,
  tenantId: string,
  id: string,
): Promise<Model> {
  await lockRegistry(manager, tenantId);
  const model = await getModel(manager, id, tenantId);
  if (model.status === 'ACTIVE') return model;
  await manager.update(
    Model,
    { tenantId, status: 'ACTIVE' },
    { status: 'RETIRED', retiredAt: new Date() },
  );
  await manager.update(
    Model,
    { tenantId, id },
    { status: 'ACTIVE', promotedAt: new Date(), retiredAt: null },
  );
  return getModel(manager, id, tenantId);
}

/**
 * Retires the active model and reactivates the one that was active before it (the most recently
 * promoted of the others whose promotion was not itself rolled back). CONFLICT when there is
 * nothing to go back to.
 */
export async function rollbackModel(manager: EntityManager, tenantId: string): Promise<Model> {
  await lockRegistry(manager, tenantId);
  const active = await activeModel(manager, tenantId);
  if (!active) throw new ConflictError('There is no active model to roll back.');
  const previous = await manager
    .createQueryBuilder(Model, 'm')
    .where(
      `m.tenantId = :tenantId and m.status = 'RETIRED' and m.promotedAt is not null and m.id <> :id`,
      { tenantId, id: active.id },
    )
    .orderBy('m.promotedAt', 'DESC')
    .getOne();
  if (!previous) throw new ConflictError('No model was active before the current one.');
  // The rolled-back model's promotion is undone (promotedAt cleared): it is no rollback target, so
  // a second rollback goes further back (v3 -> v2 -> v1), not forth to the model just left.
  await manager.update(
    Model,
    { tenantId, id: active.id },
    { status: 'RETIRED', retiredAt: new Date(), promotedAt: null },
  );
  await manager.update(
    Model,
    { tenantId, id: previous.id },
    { status: 'ACTIVE', promotedAt: new Date(), retiredAt: null },
  );
  return getModel(manager, previous.id, tenantId);
}
