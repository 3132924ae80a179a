import type { Logger } from '../config/logger';
import { tenantTaskFailures } from '../http/metrics';

/** Per-tenant work that platform-wide jobs skip when it fails, rather than stop for everyone. */
export type TenantTask = 'aggregate-refresh' | 'rollups';

/** Logs and counts (sentinel_tenant_task_failures_total) one tenant's failed share of a job. */
export function recordTenantFailure(
  logger: Logger,
  task: TenantTask,
  tenantId: string,
  err: unknown,
): void {
  tenantTaskFailures.inc({ task });
  logger.warn(
    { task, tenantId, err: err instanceof Error ? err.message : String(err) },
    'tenant skipped: its share of the job failed',
  );
}
