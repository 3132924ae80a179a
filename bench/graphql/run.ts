/**
 * GraphQL overhead: requests per second for `{ me { slug } }` through Sentinel (API key lookup,
 * a tenant transaction under RLS, Apollo, express) next to a bare graphql-js server (no auth, no
 * database) in the same run, both as separate processes driven by the same client.
 *
 *   npm run build && node dist/bench/graphql/run.js [seconds=10] [concurrency=16]
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createAppDataSource } from '../../src/db/data-source';
import { createTenant } from '../../src/services/tenants';
import { openBenchEnv } from '../lib/bench-env';

const SECONDS = Number(process.argv[2] ?? 10);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const QUERY = JSON.stringify({ query: '{ me { slug } }' });

/** Keeps CONCURRENCY requests in flight for SECONDS; returns requests per second. */
async function load(url: string, key?: string): Promise<number> {
  const headers = {
    'content-type': 'application/json',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  };
  const deadline = Date.now() + SECONDS * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      const response = await fetch(url, { method: 'POST', headers, body: QUERY });
      const body = (await response.json()) as { data?: { me?: { slug?: string } } };
      if (!body.data?.me?.slug) throw new Error(`unexpected answer: ${JSON.stringify(body)}`);
      done++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return done / ((Date.now() - started) / 1000);
}

/** The baseline server, as a child process; resolves with its port. */
function startBare(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'bare-server.js')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(String(chunk));
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const env = await openBenchEnv();
  const bare = await startBare();
  try {
    const dataSource = await createAppDataSource(env.appUrl, 1).initialize();
    const { adminKey } = await createTenant(dataSource, { slug: 'bench', name: 'bench' });
    await dataSource.destroy();
    const { match } = await env.startChild('api', /"port":(\d+),"msg":"Sentinel API listening/);
    const sentinelUrl = `http://127.0.0.1:${match[1]}/graphql`;
    const bareUrl = `http://127.0.0.1:${bare.port}/graphql`;

    await load(bareUrl); // warm-up both
    await load(sentinelUrl, adminKey.secret);
    const bareRps = await load(bareUrl);
    const sentinelRps = await load(sentinelUrl, adminKey.secret);

    console.log(`GraphQL { me { slug } }, ${SECONDS}s each, concurrency ${CONCURRENCY}`);
    console.log(`  bare graphql-js server : ${bareRps.toFixed(0)} req/s`);
    console.log(
      `  Sentinel API           : ${sentinelRps.toFixed(0)} req/s (auth lookup + RLS transaction + Apollo)`,
    );
    console.log(`  ratio Sentinel / bare  : ${(sentinelRps / bareRps).toFixed(3)}`);
  } finally {
    bare.child.kill('SIGTERM');
    await env.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
