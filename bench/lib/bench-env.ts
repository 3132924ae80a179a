import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../src/config/config';
import { logger } from '../../src/config/logger';
import { migrate } from '../../src/db/migrator';
import { withDatabase } from '../../src/db/urls';
import { resolveBackingServices, type BackingServices } from '../../src/runtime/backing-services';

/** A throwaway migrated database on Sentinel's services, and child processes to run against it. */
export interface BenchEnv {
  services: BackingServices;
  ownerUrl: string;
  appUrl: string;
  /** Environment for `sentinel api` / `sentinel worker` children on this database. */
  childEnv: NodeJS.ProcessEnv;
  startChild(
    role: 'api' | 'worker',
    ready: RegExp,
  ): Promise<{ child: ChildProcess; match: RegExpExecArray }>;
  close(): Promise<void>;
}

export async function ownerSql(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

export async function openBenchEnv(): Promise<BenchEnv> {
  const services = await resolveBackingServices(loadConfig(), logger);
  const database = `sentinel_bench_${crypto.randomBytes(4).toString('hex')}`;
  await ownerSql(services.ownerDatabaseUrl, `create database ${database}`);
  const ownerUrl = withDatabase(services.ownerDatabaseUrl, database);
  await migrate({ ownerDatabaseUrl: ownerUrl, appDbPassword: services.appDbPassword, logger });
  const appUrl = withDatabase(services.appDatabaseUrl, database);
  const childEnv = {
    ...process.env,
    LOG_LEVEL: 'info',
    PORT: '0',
    DATABASE_URL: ownerUrl,
    APP_DATABASE_URL: appUrl,
    REDIS_URL: services.redisUrl,
    SENTINEL_QUEUE_PREFIX: database,
  };
  const children: ChildProcess[] = [];
  const bin = path.resolve(__dirname, '../../../bin/sentinel.js');

  const env: BenchEnv = {
    services,
    ownerUrl,
    appUrl,
    childEnv,
    startChild: (role, ready) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [bin, role], {
          env: childEnv,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(child);
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk;
          const match = ready.exec(out);
          if (match) {
            // From here on the child's logs are only drained, not kept.
            child.stdout!.removeAllListeners('data');
            child.stdout!.resume();
            resolve({ child, match });
          }
        });
        child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
      }),
    close: async () => {
      // Children first: they need PostgreSQL and Redis to shut down cleanly.
      await Promise.all(
        children
          .filter((c) => c.exitCode === null)
          .map(
            (child) =>
              new Promise((resolve) => {
                child.once('exit', resolve);
                child.kill('SIGTERM');
              }),
          ),
      );
      await ownerSql(
        services.ownerDatabaseUrl,
        `drop database if exists ${database} with (force)`,
      ).catch(() => undefined);
      await services.stop();
    },
  };
  // Interrupted: still stop the children and the services this benchmark started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void env.close().finally(() => process.exit(130)));
  }
  return env;
}

/** Peak resident memory of a process, in MiB (VmHWM). */
export function peakRssMiB(pid: number): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const status = (require('node:fs') as typeof import('node:fs')).readFileSync(
    `/proc/${pid}/status`,
    'utf8',
  );
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

/** Runs a benchmark on a throwaway database, drops it afterwards, and exits 1 on failure. */
export function runBench(main: (env: BenchEnv) => Promise<void>): void {
  (async () => {
    const env = await openBenchEnv();
    try {
      await main(env);
    } finally {
      await env.close();
    }
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
