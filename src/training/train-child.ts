/**
 * The training process. The worker forks one per training job (src/jobs/training-processor.ts),
 * so TensorFlow's minutes of CPU never block the worker's other queues, and a cancel is a kill.
 * It trains once, reports over IPC, and exits. If the worker dies, so does it: the job's retry
 * belongs to whichever worker picks it up next.
 */
import 'reflect-metadata';
import { logger } from '../config/logger';
import { createAppDataSource } from '../db/data-source';
import { selectOne } from '../db/query';
import { loadTf } from '../ml/backend';
import type { ChildMessage, TrainCommand } from './child-protocol';
import { withTenant } from '../tenancy/with-tenant';
import { runTraining, TrainingRefused } from './run-training';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) =>
    process.send!(message, undefined, {}, (err) => (err ? reject(err) : resolve())),
  );
}

async function train(command: TrainCommand): Promise<void> {
  const log = logger.child({
    jobId: command.jobId,
    tenantId: command.tenantId,
    process: 'training',
  });
  const dataSource = await createAppDataSource(command.appDatabaseUrl, 1).initialize();
  const platform =
    command.request.scope === 'GLOBAL' && command.platformDatabaseUrl
      ? await createAppDataSource(command.platformDatabaseUrl, 1).initialize()
      : undefined;
  try {
    const { tf, backend } = await loadTf(log);
    const { feature_flags: featureFlags } = await withTenant(dataSource, command.tenantId, (m) =>
      selectOne<{ feature_flags: string[] }>(m, 'select feature_flags from tenants where id = $1', [
        command.tenantId,
      ]),
    );
    const context = {
      tf,
      backend,
      dataSource,
      platform,
      aggregate: command.aggregate,
      tenantId: command.tenantId,
      featureFlags,
      log,
    };
    const payload = await runTraining(context, command.request, (report) =>
      send({ type: 'epoch', report }),
    );
    await send({ type: 'done', payload });
  } catch (err) {
    if (!(err instanceof TrainingRefused)) throw err;
    await send({ type: 'refused', reason: err.message });
  } finally {
    await platform?.destroy();
    await dataSource.destroy();
  }
}

process.on('disconnect', () => process.exit(1));
process.once('message', (command: TrainCommand) => {
  train(command)
    .then(() => process.disconnect())
    .catch((err: Error) => {
      logger.error({ err: err.message, stack: err.stack }, 'training failed');
      process.exit(1);
    });
});
