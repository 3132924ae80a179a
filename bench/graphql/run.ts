/**
 * GraphQL overhead: requests per second for `{ me { slug } }` through Sentinel (API key lookup,
 * a tenant transaction under RLS, Apollo, express) next to a bare graphql-js server (no auth, no
 * database) in the same run, both as separate processes driven by the same client.
 *
 *   npm run build && node dist/bench/graphql/run.js [seconds=10] [concurrency=16]
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../src/config/config';
import { logger } from '../../src/config/logger';
import { createAppDataSource } from '../../src/db/data-source';
import { migrate } from '../../src/db/migrator';
import { withDatabase } from '../../src/db/urls';
import { resolveBackingServices } from '../../src/runtime/backing-services';
import { createTenant } from '../../src/services/tenants';

const SECONDS = Number(process.argv[2] ?? 10);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const QUERY = JSON.stringify({ query: '{ me { slug } }' });

async function sql(url: string, text: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(text).finally(() => client.end());
}

/** Starts a child and resolves with the port it reports listening on. */
function startChild(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = ready.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${code}: ${out}`)));
  });
}

/** Keeps CONCURRENCY requests in flight for SECONDS; returns requests per second. */
async function load(url: string, key?: string): Promise<number> {
  const headers = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
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

async function main(): Promise<void> {
  const config = loadConfig();
  const services = await resolveBackingServices(config, logger);
  const database = `sentinel_bench_${crypto.randomBytes(4).toString('hex')}`;
  const children: ChildProcess[] = [];
  try {
    await sql(services.ownerDatabaseUrl, `create database ${database}`);
    const ownerUrl = withDatabase(services.ownerDatabaseUrl, database);
    await migrate({ ownerDatabaseUrl: ownerUrl, appDbPassword: services.appDbPassword, logger });
    const appUrl = withDatabase(services.appDatabaseUrl, database);
    const dataSource = await createAppDataSource(appUrl, 1).initialize();
    const { adminKey } = await createTenant(dataSource, { slug: 'bench', name: 'bench' });
    await dataSource.destroy();

    const env = { ...process.env, LOG_LEVEL: 'warn', PORT: '0', DATABASE_URL: ownerUrl, APP_DATABASE_URL: appUrl, REDIS_URL: services.redisUrl };
    const bin = path.resolve(__dirname, '../../../bin/sentinel.js');
    const bare = await startChild([path.join(__dirname, 'bare-server.js')], env, /listening (\d+)/);
    children.push(bare.child);
    // Sentinel logs JSON; its "listening" line carries the port.
    const sentinel = await startChild([bin, 'api'], { ...env, LOG_LEVEL: 'info' }, /"port":(\d+),"msg":"Sentinel API listening/);
    children.push(sentinel.child);

    await load(`http://127.0.0.1:${bare.port}/graphql`); // warm-up both
    await load(`http://127.0.0.1:${sentinel.port}/graphql`, adminKey.secret);
    const bareRps = await load(`http://127.0.0.1:${bare.port}/graphql`);
    const sentinelRps = await load(`http://127.0.0.1:${sentinel.port}/graphql`, adminKey.secret);

    console.log(`GraphQL { me { slug } }, ${SECONDS}s each, concurrency ${CONCURRENCY}`);
    console.log(`  bare graphql-js server : ${bareRps.toFixed(0)} req/s`);
    console.log(`  Sentinel API           : ${sentinelRps.toFixed(0)} req/s (auth lookup + RLS transaction + Apollo)`);
    console.log(`  ratio Sentinel / bare  : ${(sentinelRps / bareRps).toFixed(3)}`);
  } finally {
    // Children first: they need PostgreSQL and Redis to shut down cleanly.
    await Promise.all(children.map((child) => new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    })));
    await sql(services.ownerDatabaseUrl, `drop database if exists ${database} with (force)`).catch(() => undefined);
    await services.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
