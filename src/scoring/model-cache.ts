import type * as TF from '@tensorflow/tfjs';
import type { Logger } from '../config/logger';
import { IsNull, Not, type DataSource } from 'typeorm';
import { Model } from '../entities/model.entity';
import { canonicalJson, loadModel, TamperedArtifactError } from '../ml/artifact';
import { requirePositions } from '../ml/model-features';
import { GLOBAL_SCOPE_ID } from '../entities/tenant.entity';
import { activeModel, modelRecord, withArtifact } from '../training/model-registry';
import { chooseServing } from './serving';
import { withTenant } from '../tenancy/with-tenant';

/** What the SHA-256 covers besides the weights, for models whose digest covers it. */
function recordKey(entry: Model): string {
  return entry.digestVersion >= 2 ? canonicalJson(modelRecord(entry)) : '';
}

export interface ServingModel {
  entry: Model;
  network: TF.LayersModel;
}

/**
 * The models the worker scores with: per tenant the winner of its own and the global model
 * (serving.ts), loaded once per model id (the artifact's SHA-256 is checked on every load). When the tenant's active model cannot be loaded (a tampered artifact, features
 * this version does not compute), the tenant keeps being served by the last model that did load,
 * and the refusal is logged once. After a restart, that is the most recently active model that
 * loads.
 */
export class ModelCache {
  private readonly loaded = new Map<string, ServingModel>();
  private readonly lastGood = new Map<string, string>();
  private readonly refused = new Set<string>();

  constructor(
    private readonly tf: typeof TF,
    private readonly logger: Logger,
  ) {}

  async forTenant(dataSource: DataSource, tenantId: string): Promise<ServingModel | null> {
    const [own, global] = await withTenant(
      dataSource,
      tenantId,
      async (manager) =>
        [
          await activeModel(manager, tenantId),
          await activeModel(manager, GLOBAL_SCOPE_ID),
        ] as const,
    );
    for (const entry of chooseServing(own, global).order) {
      const network = await this.load(dataSource, entry);
      if (network) {
        this.lastGood.set(tenantId, entry.id);
        // The registry row is read fresh each time; only the network is cached.
        return { entry, network };
      }
    }
    const fallback = this.lastGood.get(tenantId);
    if (fallback) return this.loaded.get(fallback)!;
    return this.previousThatLoads(dataSource, tenantId);
  }

  /** After a restart there is no last good model in memory: the most recently active one that loads. */
  private async previousThatLoads(
    dataSource: DataSource,
    tenantId: string,
  ): Promise<ServingModel | null> {
    const previous = await withTenant(dataSource, tenantId, (manager) =>
      manager.find(Model, {
        where: { tenantId, status: 'RETIRED', promotedAt: Not(IsNull()) },
        order: { promotedAt: 'DESC' },
        take: 3,
      }),
    );
    for (const entry of previous) {
      const network = await this.load(dataSource, entry);
      if (network) {
        this.lastGood.set(tenantId, entry.id);
        return { entry, network };
      }
    }
    return null;
  }

  private async load(dataSource: DataSource, entry: Model): Promise<TF.LayersModel | null> {
    const cached = this.loaded.get(entry.id);
    // The record is read fresh every round: one that changed since it was verified (a threshold
    // set to 0) is checked against the SHA-256 again before it serves.
    if (cached && recordKey(cached.entry) === recordKey(entry)) return cached.network;
    if (cached) {
      this.loaded.delete(entry.id);
      cached.network.dispose();
    }
    try {
      requirePositions(entry.featureNames);
      const stored = await withTenant(dataSource, entry.tenantId, (manager) =>
        withArtifact(manager, entry.id),
      );
      const network = await loadModel(stored, this.tf);
      this.loaded.set(entry.id, { entry, network });
      if (this.refused.delete(entry.id) || entry.refusedReason)
        await this.markRefused(dataSource, entry, null);
      return network;
    } catch (err) {
      const reason =
        err instanceof TamperedArtifactError
          ? 'its record or artifact does not match its SHA-256 (tampered or corrupted)'
          : (err as Error).message;
      if (!this.refused.has(entry.id)) {
        this.refused.add(entry.id);
        this.logger.error(
          { tenantId: entry.tenantId, modelId: entry.id, version: entry.version, reason },
          'model refused: serving the last model that loaded',
        );
      }
      if (entry.refusedReason !== reason) await this.markRefused(dataSource, entry, reason);
      return null;
    }
  }

  /** Records (or clears, with null) why the worker refuses a model, in the model's own scope. */
  private async markRefused(
    dataSource: DataSource,
    entry: Model,
    reason: string | null,
  ): Promise<void> {
    await withTenant(dataSource, entry.tenantId, (manager) =>
      manager.update(Model, { tenantId: entry.tenantId, id: entry.id }, { refusedReason: reason }),
    );
  }

  dispose(): void {
    for (const { network } of this.loaded.values()) network.dispose();
    this.loaded.clear();
  }
}
