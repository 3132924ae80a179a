import { DataSource } from 'typeorm';
import { ApiKey } from '../entities/api-key.entity';
import { Endpoint } from '../entities/endpoint.entity';
import { EndpointIncident } from '../entities/endpoint-incident.entity';
import { MaintenanceWindow } from '../entities/maintenance-window.entity';
import { Model } from '../entities/model.entity';
import { Tenant } from '../entities/tenant.entity';
import { TrainingJob } from '../entities/training-job.entity';
import { Webhook } from '../entities/webhook.entity';
import { boundedPg } from './bounded-pool';

/** Server-side limits on every connection of a pool, and how long a caller waits for one. */
export interface PoolLimits {
  /** Wait for a free pooled connection at most this long, then UnavailableError (503). */
  acquireTimeoutMs?: number;
  /** PostgreSQL cancels a statement running longer (statement_timeout). */
  statementTimeoutMs?: number;
  /** PostgreSQL ends a session idle inside a transaction this long (releasing its locks). */
  idleInTransactionTimeoutMs?: number;
}

/**
 * The app-role DataSource every request and job uses. Never the owner: that one only runs
 * migrations (src/db/migrator.ts). The schema comes from migrations/, never `synchronize`.
 */
export function createAppDataSource(
  appDatabaseUrl: string,
  poolSize = 10,
  limits: PoolLimits = {},
): DataSource {
  return new DataSource({
    type: 'postgres',
    url: appDatabaseUrl,
    entities: [
      Tenant,
      ApiKey,
      Endpoint,
      Model,
      TrainingJob,
      Webhook,
      MaintenanceWindow,
      EndpointIncident,
    ],
    synchronize: false,
    migrationsRun: false,
    ...(limits.acquireTimeoutMs ? { driver: boundedPg(limits.acquireTimeoutMs) } : {}),
    extra: {
      max: poolSize,
      application_name: 'sentinel',
      ...(limits.statementTimeoutMs ? { statement_timeout: limits.statementTimeoutMs } : {}),
      ...(limits.idleInTransactionTimeoutMs
        ? { idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs }
        : {}),
    },
  });
}
