import type Bull from 'bull';
import type { ProcessorRegistration } from './processor';

export const MAINTENANCE_QUEUE = 'maintenance';
const EVERY_MS = 3600_000;
/** Partitions exist this many days ahead, so ingestion never waits on DDL for today or tomorrow. */
const DAYS_AHEAD = 7;

/**
 * Hourly: create the samples partitions of the coming days, drop the partitions that are
 * wholly older than the retention, and delete predictions and kept daily availability as old.
 * Platform-wide (not a tenant's job): all run through security-definer functions, so the app
 * role needs no DDL rights.
 */
export const maintenanceProcessor: ProcessorRegistration = {
  queue: MAINTENANCE_QUEUE,
  concurrency: 1,
  process: async (_job: Bull.Job, { config, dataSource, logger }) => {
    await dataSource.query(
      `select ensure_sample_partitions(current_date, current_date + $1::int)`,
      [DAYS_AHEAD],
    );
    const dropped: Array<{ name: string }> = await dataSource.query(
      'select drop_expired_sample_partitions($1) as name',
      [config.telemetry.retentionDays],
    );
    if (dropped.length > 0)
      logger.info({ partitions: dropped.map((d) => d.name) }, 'expired sample partitions dropped');
    // Predictions live as long as the samples they were made from.
    const [{ deleted }] = (await dataSource.query(
      'select delete_expired_predictions($1)::int as deleted',
      [config.telemetry.retentionDays],
    )) as [{ deleted: number }];
    const [{ days }] = (await dataSource.query(
      'select delete_expired_availability($1)::int as days',
      [config.telemetry.retentionDays],
    )) as [{ days: number }];
    await dataSource.query('select delete_expired_alert_log($1)', [config.telemetry.retentionDays]);
    return {
      dropped: dropped.map((d) => d.name),
      predictionsDeleted: deleted,
      availabilityDaysDeleted: days,
    };
  },
};

/** One hourly schedule however many workers call this (same repeat key), plus a run right now. */
export async function scheduleMaintenance(queue: Bull.Queue): Promise<void> {
  await queue.add(
    {},
    { jobId: 'maintenance', repeat: { every: EVERY_MS }, removeOnComplete: 10, removeOnFail: 10 },
  );
  await queue.add({}, { removeOnComplete: 10, removeOnFail: 10 });
}
