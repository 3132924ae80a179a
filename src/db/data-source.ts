import { DataSource } from 'typeorm';
import { ApiKey } from '../entities/api-key.entity';
import { Endpoint } from '../entities/endpoint.entity';
import { EndpointIncident } from '../entities/endpoint-incident.entity';
import { MaintenanceWindow } from '../entities/maintenance-window.entity';
import { Model } from '../entities/model.entity';
import { Tenant } from '../entities/tenant.entity';
import { TrainingJob } from '../entities/training-job.entity';
import { Webhook } from '../entities/webhook.entity';

/**
 * The app-role DataSource every request and job uses. Never the owner: that one only runs
 * migrations (src/db/migrator.ts). The schema comes from migrations/, never `synchronize`.
 */
export function createAppDataSource(appDatabaseUrl: string, poolSize = 10): DataSource {
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
    extra: { max: poolSize, application_name: 'sentinel' },
  });
}
