import type { Command } from 'commander';
import { createTenant } from '../../services/tenants';
import { withAppDataSource } from '../with-services';

export function registerTenants(program: Command): void {
  const tenants = program.command('tenants').description('manage tenants');
  tenants
    .command('create')
    .description('create a tenant and its first admin key (printed as the last line)')
    .requiredOption('--slug <slug>', 'URL-safe name, e.g. acme')
    .option('--name <name>', 'display name (default: the slug)')
    .action(async (options: { slug: string; name?: string }) => {
      const { tenant, adminKey } = await withAppDataSource((dataSource) =>
        createTenant(dataSource, { slug: options.slug, name: options.name ?? options.slug }),
      );
      console.log(`tenant ${tenant.slug} (${tenant.id}) created; admin key:`);
      console.log(adminKey.secret);
    });
}
