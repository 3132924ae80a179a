import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config';
import { logger } from '../../config/logger';
import { createAppDataSource } from '../../db/data-source';
import { migrate } from '../../db/migrator';
import { issueFirstTenant0Key } from '../../processes/first-admin-key';
import { resolveBackingServices, type BackingServices } from '../../runtime/backing-services';
import { waitForExit } from '../../runtime/process-alive';
import { stopOnSignal } from '../stop-on-signal';
import { childEnvironment } from '../child-env';
import { platformSettings } from '../platform-settings';

const BIN = path.resolve(__dirname, '../../../../bin/sentinel.js');
const CHILD_STOP_TIMEOUT_MS = 20_000;

function printFirstKey(key: string): void {
  console.log(
    [
      '',
      '  Tenant0 admin key (shown once; Sentinel stores only its hash):',
      '',
      `    ${key}`,
      '',
      `  Try: curl -s localhost:${loadConfig().port}/graphql -H 'content-type: application/json' \\`,
      `         -H 'authorization: Bearer ${key}' -d '{"query":"{ me { slug } }"}'`,
      '',
    ].join('\n'),
  );
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  await waitForExit(child.pid, CHILD_STOP_TIMEOUT_MS).catch(() => child.kill('SIGKILL'));
}

/** Migrates, prints Tenant0's first key, then runs `sentinel api` and `sentinel worker` as children. */
async function start(): Promise<void> {
  const config = loadConfig();
  const services: BackingServices = await resolveBackingServices(config, logger);
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    await Promise.all(children.map(stopChild));
    await services.stop();
  };
  stopOnSignal(logger, stopAll);

  try {
    await migrate({
      ownerDatabaseUrl: services.ownerDatabaseUrl,
      appDbPassword: config.appDatabaseUrl ? undefined : services.appDbPassword,
      platformDbPassword: config.platformDatabaseUrl ? undefined : services.platformDbPassword,
      settings: platformSettings(config),
      logger,
    });
    const dataSource = await createAppDataSource(services.appDatabaseUrl, 1).initialize();
    const firstKey = await issueFirstTenant0Key(dataSource).finally(() => dataSource.destroy());
    if (firstKey) printFirstKey(firstKey);
  } catch (err) {
    logger.error({ err }, 'start-up failed');
    await stopAll();
    process.exit(1);
  }

  for (const role of ['api', 'worker'] as const) {
    // Own process group: a terminal's Ctrl-C reaches only us, and we stop the children in order.
    const child = spawn(process.execPath, [BIN, role], {
      env: childEnvironment(role, services, process.env),
      stdio: 'inherit',
      detached: true,
    });
    child.on('exit', (code, signal) => {
      if (stopping) return;
      logger.error({ role, code, signal }, 'child process exited; stopping Sentinel');
      stopAll().finally(() => process.exit(1));
    });
    children.push(child);
  }
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'run everything: services (embedded unless DATABASE_URL/REDIS_URL), migrations, API and worker',
    )
    .action(start);
}
