import type { DataSource } from 'typeorm';
import type { Model } from '../entities/model.entity';
import { GLOBAL_SCOPE_ID, Tenant } from '../entities/tenant.entity';
import type { StoredEvaluation } from '../ml/stored-evaluation';
import { chooseServing, type ServingChoice } from '../scoring/serving';
import { servingGuard, type GuardVerdict } from '../scoring/serving-guard';
import { withTenant } from '../tenancy/with-tenant';
import { activeModel } from '../training/model-registry';

/** The tenant's active model against the global one, as scored on the tenant's own minutes. */
export interface HerdComparison {
  choice: ServingChoice;
  own: Model | null;
  global: Model | null;
  /** The global model's scores on the tenant's data, when they were taken against that model. */
  compared: NonNullable<StoredEvaluation['global']> | null;
  /** Which alert pages the tenant (the serving guard). */
  guard: GuardVerdict;
}

export async function compareWithGlobal(
  dataSource: DataSource,
  tenantId: string,
): Promise<HerdComparison> {
  const [own, global, guard] = await withTenant(dataSource, tenantId, async (manager) => {
    const pair = [
      await activeModel(manager, tenantId),
      await activeModel(manager, GLOBAL_SCOPE_ID),
    ] as const;
    const served = chooseServing(...pair).winner === 'GLOBAL';
    return [...pair, await servingGuard(manager, tenantId, served)] as const;
  });
  const compared =
    own?.evaluation.global && own.evaluation.global.modelId === global?.id
      ? own.evaluation.global
      : null;
  return { choice: chooseServing(own, global), own, global, compared, guard };
}

/** Forecast settings: the false-alert budget and scheduled retraining (omitted: unchanged). */
export async function setForecastSettings(
  dataSource: DataSource,
  tenantId: string,
  settings: { falseAlertBudget?: number; autoRetrain?: boolean; retrainEveryDays?: number },
): Promise<Tenant> {
  return withTenant(dataSource, tenantId, async (manager) => {
    const changes = Object.fromEntries(
      Object.entries(settings).filter(([, value]) => value !== undefined && value !== null),
    );
    if (Object.keys(changes).length > 0) await manager.update(Tenant, { id: tenantId }, changes);
    return manager.findOneByOrFail(Tenant, { id: tenantId });
  });
}

/** Opting out removes the tenant's contribution in the same transaction. */
export async function setGlobalContribution(
  dataSource: DataSource,
  tenantId: string,
  contribute: boolean,
): Promise<Tenant> {
  return withTenant(dataSource, tenantId, async (manager) => {
    await manager.update(Tenant, { id: tenantId }, { contributesToGlobal: contribute });
    if (!contribute) await manager.query('delete from global_feature_rows');
    return manager.findOneByOrFail(Tenant, { id: tenantId });
  });
}
