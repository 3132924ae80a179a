import type { Config } from '../config/config';
import type { PlatformSettings } from '../db/migrator';
import { aggregateSettings } from '../training/global-aggregate';

/** The limits `sentinel migrate` stores for the database to enforce on every caller. */
export function platformSettings(config: Config): PlatformSettings {
  const aggregate = aggregateSettings();
  return {
    sampleRetentionDays: config.telemetry.retentionDays,
    globalMinTenants: aggregate.minTenants,
    globalMaxRowsPerTenant: aggregate.maxRowsPerTenant,
    globalMaxShare: aggregate.maxShare,
  };
}
