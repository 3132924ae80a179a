import 'reflect-metadata';
import { Command } from 'commander';
import { useHumanLogs } from '../config/logger';
import { registerDemo } from './commands/demo';
import { registerImport } from './commands/import';
import { registerJobs } from './commands/jobs';
import { registerKeys } from './commands/keys';
import { registerMigrate } from './commands/migrate';
import { registerServe } from './commands/serve';
import { registerStart } from './commands/start';
import { registerTenants } from './commands/tenants';
import { registerTrain } from './commands/train';
import { registerWebhooks } from './commands/webhooks';

/** Long-running services log JSON lines, for log collectors; everything else talks to a person. */
const SERVICES = new Set(['start', 'api', 'worker']);

const program = new Command('sentinel')
  .description('Sentinel: SLA intelligence over GraphQL')
  .option('--json', 'log JSON lines (as the services do) instead of readable ones on stderr');
program.hook('preAction', (_program, action) => {
  if (!SERVICES.has(action.name()) && !program.opts<{ json?: boolean }>().json) useHumanLogs();
});
registerStart(program);
registerMigrate(program);
registerServe(program);
registerTenants(program);
registerKeys(program);
registerImport(program);
registerDemo(program);
registerTrain(program);
registerJobs(program);
registerWebhooks(program);

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`sentinel: ${err.message}`);
  process.exit(1);
});
