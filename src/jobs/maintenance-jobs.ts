import type Bull from 'bull';
import { defineJob, enqueue, type PlatformJob } from './job-definition';
import { selectOne, selectRows } from '../db/query';
import type { ProcessorRegistration } from './processor';

export const MAINTENANCE_QUEUE = 'maintenance';
const EVERY_MS = 3600_000;

export const MAINTENANCE_JOB = defineJob<PlatformJob>({
  queue: MAINTENANCE_QUEUE,
  attempts: 1,
  keep: { completed: 10, failed: 10 },
});
/** Partitions exist this many days ahead, so ingestion never waits on DDL for today or tomorrow. */
const DAYS_AHEAD = 7;
/** Webhook delivery attempts are kept this long (the database refuses less: migration 0017). */
const DELIVERY_LOG_DAYS = 30;

/**
 * Hourly: create the samples partitions of the coming days, drop the partitions that are
 * wholly older than the retention, and delete predictions and alert log entries as old.
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
    const dropped = await selectRows<{ name: string }>(
      dataSource,
      'select drop_expired_sample_partitions($1) as name',
      [config.telemetry.retentionDays],
    );
    if (dropped.length > 0)
      logger.info({ partitions: dropped.map((d) => d.name) }, 'expired sample partitions dropped');
    // Predictions live as long as the samples they were made from.
    const { deleted } = await selectOne<{ deleted: number }>(
      dataSource,
      'select delete_expired_predictions($1)::int as deleted',
      [config.telemetry.retentionDays],
    );
    await dataSource.query('select delete_expired_alert_log($1)', [config.telemetry.retentionDays]);
    // The delivery log is for looking into recent deliveries, not an archive.
    const { deliveries } = await selectOne<{ deliveries: number }>(
      dataSource,
      'select delete_expired_webhook_deliveries($1)::int as deliveries',
      [DELIVERY_LOG_DAYS],
    );
    return {
      deliveriesDeleted: deliveries,
      dropped: dropped.map((d) => d.name),
      predictionsDeleted: deleted,
    };
  },
};

/** One hourly schedule however many workers call this (same repeat key), plus a run right now. */
export async function scheduleMaintenance(queue: Bull.Queue<PlatformJob>): Promise<void> {
  await enqueue(queue, MAINTENANCE_JOB, {}, { jobId: 'maintenance', repeat: { every: EVERY_MS } });
  await enqueue(queue, MAINTENANCE_JOB, {});
}
