import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../config/logger';
import { livePidFromFile, waitForExit } from './process-alive';
import type { RunningService } from './embedded-postgres';

export class RedisNotInstalledError extends Error {
  constructor() {
    super(
      'redis-server was not found on PATH: install Redis 7 (Debian/Ubuntu: `apt-get install redis-server`, ' +
        'macOS: `brew install redis`) or set REDIS_URL to a running Redis.',
    );
  }
}

function redisServerOnPath(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts (or reuses) a private redis-server under `<dataDir>/redis`: loopback only, password
 * protected, append-only file on and `noeviction`, because Bull loses jobs if Redis evicts keys.
 */
export async function startEmbeddedRedis(options: {
  dataDir: string;
  port: number;
  password: string;
  logger: Logger;
}): Promise<RunningService> {
  const dir = path.join(options.dataDir, 'redis');
  const pidFile = path.join(dir, 'redis.pid');
  const url = `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}`;
  if (livePidFromFile(pidFile)) {
    options.logger.info({ dir }, 'embedded redis already running, reusing it');
    return { url, owned: false, stop: async () => {} };
  }
  if (!redisServerOnPath()) throw new RedisNotInstalledError();

  fs.mkdirSync(dir, { recursive: true });
  // The password goes in through stdin (a config file of `-`), so `ps` does not show it.
  const child = spawn(
    'redis-server',
    [
      '-',
      '--port',
      String(options.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--pidfile',
      pidFile,
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      '--logfile',
      '',
    ],
    // Its own process group: Ctrl-C reaches Sentinel, which then stops Redis after its clients.
    { stdio: ['pipe', 'ignore', 'pipe'], detached: true },
  );
  child.stdin.end(`requirepass ${options.password}\n`);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  try {
    await waitForPort(options.port, 10_000, () => child.exitCode !== null);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`embedded redis did not start: ${(err as Error).message} ${stderr.trim()}`);
  }
  options.logger.info({ port: options.port }, 'embedded redis started');

  return {
    url,
    owned: true,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      // SIGTERM makes redis flush the append-only file and exit cleanly.
      child.kill('SIGTERM');
      await waitForExit(child.pid, 10_000);
      options.logger.info('embedded redis stopped');
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, gaveUp: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gaveUp()) throw new Error('redis-server exited');
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}
