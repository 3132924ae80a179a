import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Node options for every server started here: `--cpu-prof` flags when the benchmark is asked
 * to profile (run.ts `--cpu-prof=DIR`); NODE_OPTIONS may not carry them.
 */
export const serverNodeArgs: string[] = [];

/**
 * The Node binary of Sentinel's API and of the bare and raw-pg baselines: this process's, or
 * PostGraphile's (Node 24, run.ts `--same-node`) so that the runtime is the same for all.
 */
let serverNode = process.execPath;
export function runServersOnPostgraphileNode(): void {
  ensurePostgraphile();
  serverNode = POSTGRAPHILE_NODE;
}

export interface Server {
  child: ChildProcess;
  port: number;
}

/** Runs `command args`, resolving once its stdout matches `ready` (group 1: the port). */
function startProcess(
  command: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = ready.exec(out);
      if (match) {
        // From here on the child's output is only drained, not kept.
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
    child.once('error', reject); // e.g. the command is missing
  });
}

/** A baseline server of this folder (built), as a child process. */
export function startBaseline(file: string, args: string[] = []): Promise<Server> {
  return startProcess(
    serverNode,
    [...serverNodeArgs, path.join(__dirname, file), ...args],
    /listening (\d+)/,
  );
}

/** `sentinel api` from another checkout's bin/sentinel.js (built). */
export function startOtherApi(bin: string, env: NodeJS.ProcessEnv): Promise<Server> {
  return startProcess(
    serverNode,
    [...serverNodeArgs, bin, 'api'],
    /"port":(\d+),"msg":"Sentinel API listening/,
    env,
  );
}

/** bench/graphql/postgraphile in the source tree (this file runs from dist/bench/graphql). */
const POSTGRAPHILE_DIR = path.resolve(__dirname, '../../../bench/graphql/postgraphile');
const POSTGRAPHILE_NODE = path.join(POSTGRAPHILE_DIR, 'node_modules/.bin/node');

/** True when the folder's node_modules holds what its package.json pins. */
function postgraphileInstalled(): boolean {
  try {
    const wanted = JSON.parse(
      fs.readFileSync(path.join(POSTGRAPHILE_DIR, 'package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    return Object.entries(wanted.dependencies).every(([name, version]) => {
      const installed = JSON.parse(
        fs.readFileSync(path.join(POSTGRAPHILE_DIR, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { version: string };
      return installed.version === version;
    });
  } catch {
    return false;
  }
}

/** Installs bench/graphql/postgraphile (npm ci) unless its node_modules holds what it pins. */
function ensurePostgraphile(): void {
  if (postgraphileInstalled()) return;
  console.error(`installing PostGraphile 5 into ${POSTGRAPHILE_DIR} (npm ci, once)`);
  const npm = spawnSync('npm', ['ci', '--prefix', POSTGRAPHILE_DIR, '--no-audit', '--no-fund'], {
    stdio: ['ignore', 2, 2], // stdout stays the benchmark's figures
  });
  if (npm.status !== 0) throw new Error(`npm ci --prefix ${POSTGRAPHILE_DIR} failed`);
}

/**
 * PostGraphile 5 on its own Node (>= 22, from the npm package `node`), installed on first use with
 * `npm ci --prefix bench/graphql/postgraphile`: the project's own install never fetches it.
 * Throws with the reason when it cannot be installed or started.
 */
export async function startPostgraphile(appUrl: string): Promise<Server> {
  ensurePostgraphile();
  return startProcess(
    POSTGRAPHILE_NODE,
    [...serverNodeArgs, path.join(POSTGRAPHILE_DIR, 'server.mjs'), appUrl],
    /listening (\d+)/,
    // Grafast's production mode (its default, said explicitly to skip its notice about it).
    { ...process.env, GRAPHILE_ENV: process.env.GRAPHILE_ENV ?? 'production' },
  );
}
