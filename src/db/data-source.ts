import { DataSource } from 'typeorm';
import { ApiKey } from '../entities/api-key.entity';
import { Endpoint } from '../entities/endpoint.entity';
import { Tenant } from '../entities/tenant.entity';

/**
 * The app-role DataSource every request and job uses. Never the owner: that one only runs
 * migrations (src/db/migrator.ts). The schema comes from migrations/, never `synchronize`.
 */
export function createAppDataSource(appDatabaseUrl: string, poolSize = 10): DataSource {
  return new DataSource({
    type: 'postgres',
    url: appDatabaseUrl,
    entities: [Tenant, ApiKey, Endpoint],
    synchronize: false,
    migrationsRun: false,
    extra: { max: poolSize, application_name: 'sentinel' },
  });
}
