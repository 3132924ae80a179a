import { Option, type Command } from 'commander';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../entities/api-key.entity';
import { createPlatformKey, issueApiKey } from '../../services/api-keys';
import { tenantIdBySlug } from '../../services/tenants';
import { withAppDataSource, withServices } from '../with-services';

interface KeyOptions {
  tenant?: string;
  scope?: ApiKeyScope;
  platform?: boolean;
  name: string;
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .description('create an API key; the key is the last line printed')
    .option('--tenant <slug>', 'the tenant the key belongs to')
    .addOption(new Option('--scope <scope>', 'what the key may do').choices(API_KEY_SCOPES))
    .option('--platform', 'a platform admin key (may create tenants) instead of a tenant key')
    .option('--name <name>', 'a label for the key', 'cli')
    .action(async (options: KeyOptions) => {
      if (options.platform) {
        const secret = await withServices((services) =>
          createPlatformKey(services.ownerDatabaseUrl, options.name),
        );
        console.log('platform admin key:');
        console.log(secret);
        return;
      }
      if (!options.tenant || !options.scope) {
        throw new Error('give --tenant <slug> and --scope <admin|ingest|read>, or --platform');
      }
      const { tenant, scope, name } = options as Required<KeyOptions>;
      const secret = await withAppDataSource(async (dataSource) => {
        const tenantId = await tenantIdBySlug(dataSource, tenant);
        if (!tenantId) throw new Error(`no tenant with slug "${tenant}"`);
        return (await issueApiKey(dataSource, tenantId, { name, scope })).secret;
      });
      console.log(`${scope} key for ${tenant}:`);
      console.log(secret);
    });
}
