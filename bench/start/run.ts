/**
 * Cold start: seconds from `npm start` to a 200 from /readyz, on a fresh data dir (embedded
 * PostgreSQL initdb + migrations) and on a second start of the same checkout. Baselines in the
 * same run: node loading the API entry and nothing else (the floor), and the old `npm start`,
 * which recompiled every file with `tsc -p` before starting.
 *
 *   npm run build && node dist/bench/start/run.js
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { livePidFromFile } from '../../src/runtime/process-alive';

const ROOT = path.resolve(__dirname, '../../..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** Runs `command` in its own process group until /readyz answers 200; then stops the group. */
async function timeToReady(
  command: string,
  env: NodeJS.ProcessEnv,
  port: number,
  dataDir: string,
): Promise<number> {
  const began = process.hrtime.bigint();
  const child: ChildProcess = spawn('/bin/sh', ['-c', command], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} exited: ${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ok) return seconds(began);
      if (seconds(began) > 180) throw new Error(`${command}: no /readyz after 180 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    // npm may exit before `sentinel start` has stopped the API, the worker, Redis and PostgreSQL
    // (the API and worker run in process groups of their own): wait until nothing answers.
    await stopped(port, dataDir);
  }
}

async function stopped(port: number, dataDir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answering = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => true,
      () => false,
    );
    const pg = livePidFromFile(path.join(dataDir, 'postgres', 'postmaster.pid'));
    const redis = livePidFromFile(path.join(dataDir, 'redis', 'redis.pid'));
    if (!answering && !pg && !redis) return;
    if (Date.now() > deadline) throw new Error('the previous start did not stop within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-start-'));
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  for (const name of ['DATABASE_URL', 'APP_DATABASE_URL', 'PLATFORM_DATABASE_URL', 'REDIS_URL'])
    delete env[name];
  Object.assign(env, {
    SENTINEL_DATA_DIR: dataDir,
    PORT: String(port),
    SENTINEL_EMBEDDED_PG_PORT: String(await freePort()),
    SENTINEL_EMBEDDED_REDIS_PORT: String(await freePort()),
  });
  const oldOut = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-tsc-'));
  try {
    const floorBegan = process.hrtime.bigint();
    const floor = spawnSync(process.execPath, ['-e', `require('./dist/src/processes/api')`], {
      cwd: ROOT,
      env,
      stdio: 'ignore',
    });
    if (floor.status !== 0) throw new Error('node could not load the API entry');
    const baseline = seconds(floorBegan);

    const first = await timeToReady('npm start', env, port, dataDir);
    const second = await timeToReady('npm start', env, port, dataDir);
    // The old script: `npm run build` (tsc -p, every file) then start; compiled elsewhere so dist
    // and its build info stay as they are.
    const old = await timeToReady(
      `npx tsc -p tsconfig.json --outDir ${oldOut} && node bin/sentinel.js start`,
      env,
      port,
      dataDir,
    );

    const ratio = (value: number) => (value / baseline).toFixed(1);
    console.log(`baseline: node loads the API entry in ${baseline.toFixed(2)} s`);
    console.log(
      `first start (npm start, initdb + migrations): ${first.toFixed(2)} s to /readyz, ${ratio(first)}x baseline`,
    );
    console.log(
      `second start (npm start): ${second.toFixed(2)} s to /readyz, ${ratio(second)}x baseline`,
    );
    console.log(
      `old second start (tsc -p, then start): ${old.toFixed(2)} s to /readyz, ${ratio(old)}x baseline`,
    );
    console.log(`second start / old second start: ${(second / old).toFixed(2)}`);
  } finally {
    const cluster = path.join(dataDir, 'postgres');
    if (fs.existsSync(cluster))
      fs.rmSync(fs.realpathSync(cluster), { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(oldOut, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
