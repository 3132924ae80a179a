import type { Command } from 'commander';
import { createAppDataSource } from '../../db/data-source';
import type { DeliveryResult } from '../../notifications/send';
import { testWebhook } from '../../notifications/webhooks';
import { tenantIdBySlug } from '../../services/tenants';
import { withServices } from '../with-services';

/** A test delivery's outcome as one line: what answered, how fast, and why it failed. */
export function testResultLine(result: DeliveryResult): string {
  const ms = `${Math.round(result.latencyMs)} ms`;
  if (result.ok) return `ok: HTTP ${result.statusCode} in ${ms}`;
  const answer = result.statusCode === null ? 'no answer' : `HTTP ${result.statusCode}`;
  return `failed: ${answer} after ${ms}: ${result.error ?? 'unknown error'}`;
}

export function registerWebhooks(program: Command): void {
  const webhooks = program.command('webhooks').description("a tenant's webhooks");
  webhooks
    .command('test <id>')
    .description(
      'send a test event to a webhook now, in its format, and say how it went (exit 1 if it failed)',
    )
    .requiredOption('--tenant <slug>', 'the tenant that owns the webhook')
    .action(async (id: string, options: { tenant: string }) => {
      const result = await withServices(async (services, config) => {
        const dataSource = await createAppDataSource(services.appDatabaseUrl, 2).initialize();
        try {
          const tenantId = await tenantIdBySlug(dataSource, options.tenant);
          if (!tenantId) throw new Error(`no tenant ${options.tenant}`);
          return await testWebhook(dataSource, tenantId, id, {
            publicUrl: config.publicUrl,
            allowNetworks: config.probeAllowNetworks,
          });
        } finally {
          await dataSource.destroy();
        }
      });
      console.log(testResultLine(result));
      if (!result.ok) process.exitCode = 1;
    });
}
