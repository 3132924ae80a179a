import type { DataSource } from 'typeorm';
import type { ScoredMinute } from './alert-state';
import { lastCompleteMinute, latestRowsOfTenant } from './score-tenant';

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
  const latest = await latestRowsOfTenant(dataSource, tenantId, lastCompleteMinute(now));
  return latest.map(({ endpointId, row }) => ({
    endpointId,
    minute: row.minute,
    probability: null,
    inEpisode: row.inEpisode,
    burnAlert: row.burnAlert,
  }));
}
