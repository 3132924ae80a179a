import type { DataSource } from 'typeorm';
import { activeEndpoints } from '../db/endpoint-queries';
import { latestFeatureRows } from '../ml/latest-features';
import { ensureRollupState } from '../telemetry/rollup-state';
import { withTenant } from '../tenancy/with-tenant';
import type { ScoredMinute } from './alert-state';
import { FRESH_MINUTES } from './score-tenant';

/**
 * The newest minute of each active endpoint of a tenant that no model serves yet (a fresh
 * installation before the global model exists): no forecast, but its onset, episode and burn-rate
 * flags, so breaches are still announced and the burn-rate alert still pages.
 */
export async function watchWithoutModel(
  dataSource: DataSource,
  tenantId: string,
  now: Date,
): Promise<ScoredMinute[]> {
  const to = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 60_000);
  return withTenant(dataSource, tenantId, async (manager) => {
    const ids = (await activeEndpoints(manager)).map((endpoint) => endpoint.id);
    await ensureRollupState(manager, ids);
    const rows = await latestFeatureRows(manager, ids, to, FRESH_MINUTES);
    return [...rows].map(([endpointId, row]) => ({
      endpointId,
      minute: row.minute,
      probability: null,
      inEpisode: row.inEpisode,
      burnAlert: row.burnAlert,
    }));
  });
}
