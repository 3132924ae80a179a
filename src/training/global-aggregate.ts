import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Endpoint } from '../entities/endpoint.entity';
import { GLOBAL_SCOPE_ID } from '../entities/tenant.entity';
import { featureRows } from '../ml/features';
import type { EndpointRows } from '../ml/pipeline';
import { withTenant } from '../tenancy/with-tenant';

/** How the aggregate is built and guarded (GLOBAL_MIN_TENANTS, GLOBAL_MAX_ROWS_PER_TENANT, GLOBAL_MAX_SHARE). */
export interface AggregateSettings {
  /** The aggregate refuses itself with fewer contributing tenants than this. */
  minTenants: number;
  /** Rows one tenant may contribute (its most recent). */
  maxRowsPerTenant: number;
  /** The largest share of the aggregate one tenant may hold. */
  maxShare: number;
}

export const AGGREGATE_DAYS = 90;
const HORIZON = 15;
const INSERT_CHUNK = 2000;

export function aggregateSettings(env: NodeJS.ProcessEnv = process.env): AggregateSettings {
  const number = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    minTenants: number('GLOBAL_MIN_TENANTS', 3),
    maxRowsPerTenant: number('GLOBAL_MAX_ROWS_PER_TENANT', 200_000),
    maxShare: number('GLOBAL_MAX_SHARE', 0.25),
  };
}

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
    const [tenant] = (await manager.query(
      'select contributes_to_global from tenants where id = $1',
      [tenantId],
    )) as Array<{ contributes_to_global: boolean }>;
    if (!tenant?.contributes_to_global || tenantId === GLOBAL_SCOPE_ID) return 0;
    const endpoints = (await manager.find(Endpoint)).filter((e) => !e.archivedAt);
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
      ).slice(-perEndpoint);
      const seriesId = crypto.randomUUID();
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        await manager.query(
          `insert into global_feature_rows (contributor, series_id, idx, features, label, onset, burn_alert)
           select $1, $2, u.idx, u.features::float8[], u.label, u.onset, u.burn_alert
             from unnest($3::int[], $4::text[], $5::boolean[], $6::boolean[], $7::boolean[]) as u(idx, features, label, onset, burn_alert)`,
          [
            tenantId,
            seriesId,
            chunk.map((_, i) => start + i),
            chunk.map((r) => `{${r.features.join(',')}}`),
            chunk.map((r) => r.label === 1),
            chunk.map((r) => r.onset),
            chunk.map((r) => r.burnAlert),
          ],
        );
      }
      stored += rows.length;
    }
    return stored;
  });
}

/** Every contributing tenant's contribution, refreshed (the global job does this before training). */
export async function refreshAllContributions(
  dataSource: DataSource,
  settings: AggregateSettings,
): Promise<{ tenants: number; rows: number }> {
  const tenants: Array<{ id: string }> = await dataSource.query(
    'select contributing_tenants() as id',
  );
  let rows = 0;
  for (const { id } of tenants) rows += await refreshContribution(dataSource, id, settings);
  return { tenants: tenants.length, rows };
}

/**
 * The aggregate as training rows, read as the platform role through `global_training_rows()`
 * (the only way in). Series become "endpoints" whose minutes are their indexes, so the time
 * split and the alert metrics work on them unchanged.
 */
export async function globalTrainingRows(
  platform: DataSource,
  settings: AggregateSettings = aggregateSettings(),
): Promise<EndpointRows[]> {
  const rows: Array<{
    series_id: string;
    idx: number;
    features: number[];
    label: boolean;
    onset: boolean;
    burn_alert: boolean;
  }> = await platform.query('select * from global_training_rows($1, $2, $3)', [
    settings.minTenants,
    settings.maxRowsPerTenant,
    settings.maxShare,
  ]);
  const series = new Map<string, EndpointRows>();
  for (const row of rows) {
    let entry = series.get(row.series_id);
    if (!entry) series.set(row.series_id, (entry = { endpointId: row.series_id, rows: [] }));
    entry.rows.push({
      minute: new Date(row.idx * 60_000),
      features: row.features,
      label: row.label ? 1 : 0,
      breached: false,
      onset: row.onset,
      inEpisode: false,
      burnAlert: row.burn_alert,
    });
  }
  return [...series.values()];
}
