import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { activeEndpoints } from '../db/endpoint-queries';
import { selectRows } from '../db/query';
import { GLOBAL_SCOPE_ID } from '../entities/tenant.entity';
import { featureRows } from '../ml/features';
import type { EndpointRows } from '../ml/pipeline';
import { withTenant } from '../tenancy/with-tenant';

/** How the aggregate is built and guarded (config.globalAggregate). */
export interface AggregateSettings {
  /** The aggregate refuses itself with fewer contributing tenants than this. */
  minTenants: number;
  /** Rows one tenant may contribute (its most recent). */
  maxRowsPerTenant: number;
  /** The largest share of the aggregate one tenant may hold. */
  maxShare: number;
  /** Rows a tenant needs of its own to count towards minTenants. */
  minRowsPerTenant: number;
}

/** Too few tenants contribute: the aggregate refuses itself (SQLSTATE P0001 from the SQL). */
export class AggregateRefusedError extends Error {}

/** The one exception global_training_rows() raises itself (migration 0007); all else is a fault. */
const AGGREGATE_REFUSED = 'P0001';

export const AGGREGATE_DAYS = 90;
const HORIZON = 15;
const INSERT_CHUNK = 2000;

/**
 * Replaces a tenant's contribution with its current one: the feature rows of its active endpoints
 * over the last 90 days (the most recent `maxRowsPerTenant`), each endpoint under a new random
 * series id, each minute by its index in the series. No endpoint id, URL, name or timestamp
 * leaves the tenant. Runs as the app role in the tenant's own context (it may write its rows,
 * never read anyone's). An opted-out tenant's rows are only removed.
 */
export async function refreshContribution(
  dataSource: DataSource,
  tenantId: string,
  settings: AggregateSettings,
  now = new Date(),
): Promise<number> {
  return withTenant(dataSource, tenantId, async (manager) => {
    await manager.query('delete from global_feature_rows');
    const [tenant] = await selectRows<{ contributes_to_global: boolean }>(
      manager,
      'select contributes_to_global from tenants where id = $1',
      [tenantId],
    );
    if (!tenant?.contributes_to_global || tenantId === GLOBAL_SCOPE_ID) return 0;
    const endpoints = await activeEndpoints(manager);
    const perEndpoint = Math.floor(settings.maxRowsPerTenant / Math.max(1, endpoints.length));
    let stored = 0;
    for (const endpoint of endpoints) {
      const rows = (
        await featureRows(
          manager,
          endpoint,
          new Date(now.getTime() - AGGREGATE_DAYS * 86_400_000),
          now,
          HORIZON,
        )
      )
        // Too thin to forecast: not a training row (the same rule as for tenants).
        .filter((r) => r.insufficient === null)
        .slice(-perEndpoint);
      const seriesId = crypto.randomUUID();
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        await manager.query(
          `insert into global_feature_rows (contributor, series_id, idx, features, label, onset, burn_alert, in_episode)
           select $1, $2, u.idx, u.features::float8[], u.label, u.onset, u.burn_alert, u.in_episode
             from unnest($3::int[], $4::text[], $5::boolean[], $6::boolean[], $7::boolean[], $8::boolean[])
                  as u(idx, features, label, onset, burn_alert, in_episode)`,
          [
            tenantId,
            seriesId,
            chunk.map((_, i) => start + i),
            chunk.map((r) => `{${r.features.join(',')}}`),
            chunk.map((r) => r.label === 1),
            chunk.map((r) => r.onset),
            chunk.map((r) => r.burnAlert),
            chunk.map((r) => r.inEpisode),
          ],
        );
      }
      stored += rows.length;
    }
    return stored;
  });
}

/**
 * Every contributing tenant's contribution, refreshed (the global job does this before training).
 * One tenant whose refresh fails (bad data, a timeout) is skipped and its rows withdrawn, so it
 * neither stops the global model for everyone nor leaves stale rows in it; `onFailure` reports it.
 */
export async function refreshAllContributions(
  dataSource: DataSource,
  settings: AggregateSettings,
  onFailure: (tenantId: string, err: unknown) => void = () => undefined,
): Promise<{ tenants: number; rows: number; failed: string[] }> {
  const tenants: Array<{ id: string }> = await dataSource.query(
    'select contributing_tenants() as id',
  );
  let rows = 0;
  const failed: string[] = [];
  for (const { id } of tenants) {
    try {
      rows += await refreshContribution(dataSource, id, settings);
    } catch (err) {
      failed.push(id);
      onFailure(id, err);
      await withTenant(dataSource, id, (m) => m.query('delete from global_feature_rows')).catch(
        (e: unknown) => onFailure(id, e),
      );
    }
  }
  return { tenants: tenants.length - failed.length, rows, failed };
}

/**
 * The aggregate as training rows, read as the platform role through `global_training_rows()`
 * (the only way in). Series become "endpoints"; a row's minute is its index counted back from
 * `now` (each series ends at its latest contribution, which the refresh before training makes
 * about now), so the time split, the alert metrics and the evaluation dates are real, recent
 * dates without any timestamp leaving a tenant.
 */
export async function globalTrainingRows(
  platform: DataSource,
  settings: AggregateSettings,
  now = new Date(),
): Promise<EndpointRows[]> {
  const rows: Array<{
    series_id: string;
    idx: number;
    features: number[];
    label: boolean;
    onset: boolean;
    burn_alert: boolean;
    in_episode: boolean;
  }> = await platform
    .query('select * from global_training_rows($1, $2, $3, $4)', [
      settings.minTenants,
      settings.maxRowsPerTenant,
      settings.maxShare,
      settings.minRowsPerTenant,
    ])
    .catch((err: Error & { code?: string }) => {
      throw err.code === AGGREGATE_REFUSED ? new AggregateRefusedError(err.message) : err;
    });
  const lastIdx = new Map<string, number>();
  for (const row of rows)
    lastIdx.set(row.series_id, Math.max(lastIdx.get(row.series_id) ?? 0, row.idx));
  const end = Math.floor(now.getTime() / 60_000) * 60_000;
  const series = new Map<string, EndpointRows>();
  for (const row of rows) {
    let entry = series.get(row.series_id);
    if (!entry) series.set(row.series_id, (entry = { endpointId: row.series_id, rows: [] }));
    entry.rows.push({
      minute: new Date(end - (lastIdx.get(row.series_id)! - row.idx) * 60_000),
      features: row.features,
      label: row.label ? 1 : 0,
      breached: false,
      onset: row.onset,
      inEpisode: row.in_episode,
      burnAlert: row.burn_alert,
      insufficient: null,
    });
  }
  return [...series.values()];
}
