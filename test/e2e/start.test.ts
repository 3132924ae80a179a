import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { livePidFromFile } from '../../src/runtime/process-alive';

const BIN = path.resolve(__dirname, '../../../bin/sentinel.js');
const KEY = /snl_[A-Za-z0-9_-]{43}/;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A fresh user's machine: no DATABASE_URL, no REDIS_URL, an empty data dir. */
function freshEnv(
  dataDir: string,
  ports: { api: number; pg: number; redis: number },
): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'APP_DATABASE_URL', 'REDIS_URL', 'SENTINEL_PLATFORM_KEY'])
    delete env[name];
  return {
    ...env,
    LOG_LEVEL: 'info',
    SENTINEL_DATA_DIR: dataDir,
    PORT: String(ports.api),
    SENTINEL_EMBEDDED_PG_PORT: String(ports.pg),
    SENTINEL_EMBEDDED_REDIS_PORT: String(ports.redis),
  };
}

// If this test process is stopped (Ctrl-C, a CI timeout), stop what it started: `sentinel start`
// then stops its own PostgreSQL and Redis. SIGTERM becomes an exit so the 'exit' hook runs.
const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((child) => child.kill('SIGTERM')));
process.once('SIGTERM', () => process.exit(143));
process.once('SIGINT', () => process.exit(130));

/** Runs `sentinel start` until both children are up; returns it with everything it printed. */
async function start(
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const deadline = Date.now() + 90_000;
  while (!(output.includes('API listening') && output.includes('worker started'))) {
    if (child.exitCode !== null) throw new Error(`sentinel start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`sentinel start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  child.kill('SIGTERM');
  return exited;
}

async function me(port: number, key: string): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: '{ me { slug } }' }),
  });
  return response.json();
}

describe('a fresh machine: `sentinel start` with no environment', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let ports: { api: number; pg: number; redis: number };

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-e2e-'));
    // mkdtemp makes it 0700; as root, the embedded postgres runs as `postgres` and must get in.
    fs.chmodSync(dataDir, 0o755);
    ports = { api: await freePort(), pg: await freePort(), redis: await freePort() };
    env = freshEnv(dataDir, ports);
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('starts embedded services, prints the Tenant0 key once, serves it, and stops without orphans', async () => {
    const first = await start(env);
    const key = KEY.exec(first.output())?.[0];
    assert.ok(key, 'the first start prints the Tenant0 admin key');
    assert.deepEqual(await me(ports.api, key), { data: { me: { slug: 'tenant0' } } });

    // The CLI joins the running embedded services rather than starting its own.
    const cli = spawnSync(
      process.execPath,
      [BIN, 'keys', 'create', '--tenant', 'tenant0', '--scope', 'read'],
      { env, encoding: 'utf8' },
    );
    assert.equal(cli.status, 0, cli.stderr);
    const readKey = cli.stdout.trim().split('\n').at(-1)!;
    assert.match(readKey, KEY);
    assert.deepEqual(await me(ports.api, readKey), { data: { me: { slug: 'tenant0' } } });

    const pgPid = livePidFromFile(path.join(dataDir, 'postgres', 'postmaster.pid'));
    const redisPid = livePidFromFile(path.join(dataDir, 'redis', 'redis.pid'));
    const children = spawnSync('pgrep', ['-P', String(first.child.pid)], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .map(Number);
    assert.ok(pgPid && redisPid, 'embedded postgres and redis run under the data dir');
    assert.equal(children.filter(Boolean).length >= 2, true, 'api and worker run as children');

    assert.equal(await stop(first.child), 0);
    for (const pid of [pgPid, redisPid, ...children])
      assert.equal(alive(pid), false, `process ${pid} outlived sentinel`);

    const second = await start(env);
    assert.doesNotMatch(second.output(), KEY, 'the key is printed on the first start only');
    assert.deepEqual(
      await me(ports.api, key),
      { data: { me: { slug: 'tenant0' } } },
      'data survived the restart',
    );
    assert.equal(await stop(second.child), 0);
  });

  it('says in one line how to get Redis when there is no REDIS_URL and no redis-server', () => {
    const result = spawnSync(process.execPath, [BIN, 'migrate'], {
      env: { ...env, PATH: '/nonexistent', DATABASE_URL: process.env.SENTINEL_TEST_OWNER_URL },
      encoding: 'utf8',
    });
    assert.equal(result.status, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0]!,
      /redis-server was not found on PATH: install Redis 7 .* or set REDIS_URL/,
    );
  });
});
