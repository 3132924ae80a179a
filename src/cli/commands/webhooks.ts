import type { Command } from 'commander';
import { Client } from 'pg';
import { loadConfig } from '../../config/config';
import { testWebhook } from '../../notifications/webhooks';
import { withAppDataSource } from '../with-services';

/** The webhook's tenant, looked up as the owner: the operator names a webhook, not a tenant. */
async function tenantOfWebhook(ownerUrl: string, webhookId: string): Promise<string> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ tenant_id: string }>(
      'select tenant_id from webhooks where id::text = $1',
      [webhookId],
    );
    if (!rows[0]) throw new Error(`no webhook ${webhookId}`);
    return rows[0].tenant_id;
  } finally {
    await client.end();
  }
}

export function registerWebhooks(program: Command): void {
  const webhooks = program.command('webhooks').description('work with webhooks');
  webhooks
    .command('test <id>')
    .description(
      'send a test event to a webhook now, in its format, and say how it went (also in its delivery log)',
    )
    .action(async (id: string) => {
      const config = loadConfig();
      const result = await withAppDataSource(async (dataSource, services) =>
        testWebhook(dataSource, await tenantOfWebhook(services.ownerDatabaseUrl, id), id, {
          publicUrl: config.publicUrl,
          allowNetworks: config.probeAllowNetworks,
        }),
      );
      const status = result.statusCode === null ? 'no answer' : `HTTP ${result.statusCode}`;
      console.log(
        `${result.ok ? 'delivered' : 'failed'}: ${status} in ${Math.round(result.latencyMs)} ms${result.error ? ` (${result.error})` : ''}`,
      );
      if (!result.ok) process.exitCode = 1;
    });
}
