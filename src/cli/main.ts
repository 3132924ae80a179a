import 'reflect-metadata';
import { Command } from 'commander';
import { registerDemo } from './commands/demo';
import { registerImport } from './commands/import';
import { registerKeys } from './commands/keys';
import { registerMigrate } from './commands/migrate';
import { registerServe } from './commands/serve';
import { registerStart } from './commands/start';
import { registerTenants } from './commands/tenants';
import { registerTrain } from './commands/train';

const program = new Command('sentinel').description('Sentinel: SLA intelligence over GraphQL');
registerStart(program);
registerMigrate(program);
registerServe(program);
registerTenants(program);
registerKeys(program);
registerImport(program);
registerDemo(program);
registerTrain(program);

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`sentinel: ${err.message}`);
  process.exit(1);
});
