import type { Config } from '../config/config';
import type { PlatformSettings } from '../db/migrator';

/** The limits `sentinel migrate` stores for the database to enforce on every caller. */
export function platformSettings(config: Config): PlatformSettings {
  return {
    sampleRetentionDays: config.telemetry.retentionDays,
    globalMinTenants: config.globalAggregate.minTenants,
    globalMaxRowsPerTenant: config.globalAggregate.maxRowsPerTenant,
    globalMaxShare: config.globalAggregate.maxShare,
  };
}
