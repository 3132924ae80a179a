import type { Command } from 'commander';
import { logger } from '../../config/logger';
import { migrate } from '../../db/migrator';
import { withServices } from '../with-services';
import { platformSettings } from '../platform-settings';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending SQL migrations as the owner role')
    .action(async () => {
      const applied = await withServices((services, config) =>
        migrate({
          ownerDatabaseUrl: services.ownerDatabaseUrl,
          // With APP_DATABASE_URL the operator manages the app role's login, not us.
          appDbPassword: config.appDatabaseUrl ? undefined : services.appDbPassword,
          platformDbPassword: config.platformDatabaseUrl ? undefined : services.platformDbPassword,
          settings: platformSettings(config),
          logger,
        }),
      );
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    });
}
