/**
 * GraphQL overhead: requests per second for `{ me { slug } }` through Sentinel (API key lookup,
 * a tenant transaction under RLS, Apollo, express) next to a bare graphql-js server (no auth, no
 * database) in the same run, both as separate processes driven by the same client. Then the same
 * operation and a 50-row endpoint list against a raw-pg server doing Sentinel's exact work (key
 * lookup, tenant transaction, the same SQL; bench/graphql/raw-pg-server.ts): the ratio is what
 * the framework (express, Apollo, graphql-js, type-graphql, TypeORM) costs.
 *
 *   npm run build && node dist/bench/graphql/run.js [seconds=10] [concurrency=16] [sentinel bin]
 *
 * The optional third argument runs the API from another checkout's bin/sentinel.js (built), to
 * measure a before/after on the same database and machine.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createAppDataSource } from '../../src/db/data-source';
import { createTenant } from '../../src/services/tenants';
import { openBenchEnv, ownerSql } from '../lib/bench-env';
import { LIST_QUERY, ME_QUERY } from './queries';

const SECONDS = Number(process.argv[2] ?? 10);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const SENTINEL_BIN = process.argv[4];

interface Load {
  rps: number;
  p99Ms: number;
  /** CPU time (user + system) the server process spent per request, when its pid is known. */
  cpuMsPerRequest?: number;
}

/** A process's CPU time so far, in ms (utime + stime from /proc, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Keeps CONCURRENCY requests of `query` in flight for SECONDS; requests per second and p99. */
async function load(url: string, key?: string, query = ME_QUERY, pid?: number): Promise<Load> {
  const headers = {
    'content-type': 'application/json',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  };
  const body = JSON.stringify({ query });
  const deadline = Date.now() + SECONDS * 1000;
  const latencies: number[] = [];
  const worker = async () => {
    while (Date.now() < deadline) {
      const began = performance.now();
      const response = await fetch(url, { method: 'POST', headers, body });
      const answer = (await response.json()) as {
        data?: { me?: { slug?: string }; endpoints?: { edges: unknown[] } };
      };
      if (!answer.data?.me?.slug && answer.data?.endpoints?.edges.length !== 50)
        throw new Error(`unexpected answer: ${JSON.stringify(answer).slice(0, 300)}`);
      latencies.push(performance.now() - began);
    }
  };
  const started = Date.now();
  const cpuBefore = pid ? cpuMs(pid) : 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const cpu = pid ? cpuMs(pid) - cpuBefore : NaN;
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / ((Date.now() - started) / 1000),
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
    ...(pid ? { cpuMsPerRequest: cpu / latencies.length } : {}),
  };
}

/** A baseline server, as a child process; resolves with its port. */
function startServer(
  file: string,
  args: string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, file), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(String(chunk));
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
}

/** `sentinel api` from another checkout; resolves with its port. */
function startOtherApi(
  bin: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'api'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /"port":(\d+),"msg":"Sentinel API listening/.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`api (${bin}) exited with ${code}`)));
  });
}

const line = (label: string, result: Load, note = '') =>
  console.log(
    `  ${label.padEnd(23)}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(1)} ms, ` +
      `server CPU ${result.cpuMsPerRequest?.toFixed(2)} ms/request${note}`,
  );
const cpuRatio = (sentinel: Load, raw: Load) =>
  console.log(
    `  CPU per request Sentinel / raw pg: ${(sentinel.cpuMsPerRequest! / raw.cpuMsPerRequest!).toFixed(2)}`,
  );

async function main(): Promise<void> {
  const env = await openBenchEnv();
  const bare = await startServer('bare-server.js');
  const raw = await startServer('raw-pg-server.js', [env.appUrl]);
  const others: ChildProcess[] = [];
  try {
    const dataSource = await createAppDataSource(env.appUrl, 1).initialize();
    const { tenant, adminKey } = await createTenant(dataSource, { slug: 'bench', name: 'bench' });
    await dataSource.destroy();
    await ownerSql(
      env.ownerUrl,
      `insert into endpoints (tenant_id, name, url, method, expected_status_codes, probe_interval_seconds, timeout_ms,
                              latency_threshold_ms, latency_percentile, error_rate_threshold, window_minutes, availability_target, probe_enabled)
       select $1, 'endpoint ' || i, 'https://e' || i || '.example.com/health', 'GET', '{200}', 60, 5000, 300, 95, 0.05, 5, 0.999, false
         from generate_series(1, 60) i`,
      [tenant.id],
    );
    let sentinelPort: number;
    let sentinelPid: number;
    if (SENTINEL_BIN) {
      const other = await startOtherApi(path.resolve(SENTINEL_BIN), env.childEnv);
      others.push(other.child);
      sentinelPort = other.port;
      sentinelPid = other.child.pid!;
    } else {
      const { child, match } = await env.startChild(
        'api',
        /"port":(\d+),"msg":"Sentinel API listening/,
      );
      sentinelPort = Number(match[1]);
      sentinelPid = child.pid!;
    }
    const sentinelUrl = `http://127.0.0.1:${sentinelPort}/graphql`;
    const bareUrl = `http://127.0.0.1:${bare.port}/graphql`;
    const rawUrl = `http://127.0.0.1:${raw.port}/graphql`;
    const key = adminKey.secret;

    await load(bareUrl); // warm-up every server
    await load(sentinelUrl, key);
    await load(sentinelUrl, key, LIST_QUERY);
    await load(rawUrl, key);
    await load(rawUrl, key, LIST_QUERY);
    const bareMe = await load(bareUrl);
    const sentinelMe = await load(sentinelUrl, key, ME_QUERY, sentinelPid);
    const rawMe = await load(rawUrl, key, ME_QUERY, raw.child.pid);
    const sentinelList = await load(sentinelUrl, key, LIST_QUERY, sentinelPid);
    const rawList = await load(rawUrl, key, LIST_QUERY, raw.child.pid);

    console.log(`GraphQL { me { slug } }, ${SECONDS}s each, concurrency ${CONCURRENCY}`);
    console.log(`  bare graphql-js server : ${bareMe.rps.toFixed(0)} req/s`);
    console.log(
      `  Sentinel API           : ${sentinelMe.rps.toFixed(0)} req/s (auth lookup + RLS transaction + Apollo)`,
    );
    console.log(`  ratio Sentinel / bare  : ${(sentinelMe.rps / bareMe.rps).toFixed(3)}`);
    line('Sentinel API', sentinelMe);
    line('raw pg, same work', rawMe, ' (key lookup + tenant transaction + same SQL)');
    console.log(`  ratio Sentinel / raw pg: ${(sentinelMe.rps / rawMe.rps).toFixed(3)}`);
    cpuRatio(sentinelMe, rawMe);
    console.log(`GraphQL ${LIST_QUERY} (50 of 60 rows)`);
    line('Sentinel API', sentinelList);
    line('raw pg, same work', rawList);
    console.log(`  ratio Sentinel / raw pg: ${(sentinelList.rps / rawList.rps).toFixed(3)}`);
    cpuRatio(sentinelList, rawList);
  } finally {
    bare.child.kill('SIGTERM');
    raw.child.kill('SIGTERM');
    for (const child of others) child.kill('SIGTERM');
    await env.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
