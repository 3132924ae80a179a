import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Model } from '../entities/model.entity';
import { ConflictError, NotFoundError } from '../errors/app-errors';
import type { ModelArtifact } from '../ml/artifact';
import type { Normalization } from '../ml/dataset';
import { beats } from '../ml/promotion';
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

/** A model with its artifact columns, for loading it. */
export async function withArtifact(
  manager: EntityManager,
  id: string,
): Promise<Model & ModelArtifact> {
  const model = await manager
    .createQueryBuilder(Model, 'm')
    .addSelect(['m.topology', 'm.weightSpecs', 'm.weights'])
    .where('m.id = :id', { id })
    .getOneOrFail();
  return Object.assign(model, { sha256: model.artifactSha256 }) as Model & ModelArtifact;
}

/**
 * Stores a trained model as a CANDIDATE (next version) and promotes it when asked to and it beats
 * the active model on the same held-out minutes, or when there is no active model. If the active
 * model changed after the comparison was made, the comparison is stale: no promotion.
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
  const promote =
    autoPromote &&
    (active === null ||
      (incumbent !== null &&
        incumbent.modelId === active.id &&
        beats(trained.evaluation.model, incumbent.metrics)));
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
