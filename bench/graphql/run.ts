/**
 * GraphQL overhead: requests per second for `{ me { slug } }` through Sentinel (API key lookup,
 * a tenant transaction under RLS, Apollo, express) next to a bare graphql-js server (no auth, no
 * database) in the same run, both as separate processes driven by the same client. Then the same
 * operation and a 50-row endpoint list against a raw-pg server doing Sentinel's exact work (key
 * lookup, tenant transaction, the same SQL; bench/graphql/raw-pg-server.ts): the ratio is what
 * the framework (express, Apollo, graphql-js, type-graphql, TypeORM) costs.
 *
 * Then the comparison with PostGraphile 5 (bench/graphql/postgraphile, installed there on first
 * use): the 50-row list and one endpoint, on Sentinel, PostGraphile and raw pg, in interleaved
 * runs at each connection count, with the median and the spread of each and the ratios.
 *
 *   npm run build && node dist/bench/graphql/run.js [seconds=10] [concurrency=16] [sentinel bin]
 *     [--runs=5] [--connections=16,64] [--compare-seconds=5] [--no-postgraphile] [--compare-only]
 *     [--cpu-prof=DIR] [--node-option=OPTION ...] [--same-node]
 *
 * The optional third argument runs the API from another checkout's bin/sentinel.js (built), to
 * measure a before/after on the same database and machine. `--cpu-prof=DIR` writes a V8 CPU
 * profile of every server process into DIR (Sentinel's API then runs from this checkout's
 * bin/sentinel.js, as with the third argument). `--node-option=OPTION` (repeatable) passes a Node
 * or V8 option to every server process alike, e.g. `--node-option=--max-semi-space-size=64`.
 * `--same-node` runs Sentinel's API and the baselines on PostGraphile's Node (24) instead of this
 * process's, so the comparison does not include the runtime's difference (Sentinel's API then runs
 * from this checkout's bin/sentinel.js, unless the third argument names another).
 */
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createAppDataSource } from '../../src/db/data-source';
import { createTenant } from '../../src/services/tenants';
import { openBenchEnv, ownerSql } from '../lib/bench-env';
import { compare, type Contender } from './compare';
import { load, type Load, type Target } from './load';
import {
  LIST_QUERY,
  ME_QUERY,
  ONE_QUERY,
  POSTGRAPHILE_LIST_QUERY,
  POSTGRAPHILE_ONE_QUERY,
} from './queries';
import {
  runServersOnPostgraphileNode,
  serverNodeArgs,
  startBaseline,
  startOtherApi,
  startPostgraphile,
  type Server,
} from './servers';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flag = (name: string) =>
  flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3);
const SECONDS = Number(positional[0] ?? 10);
const CONCURRENCY = Number(positional[1] ?? 16);
const RUNS = Number(flag('runs') ?? 5);
const CONNECTIONS = (flag('connections') ?? '16,64').split(',').map(Number);
const COMPARE_SECONDS = Number(flag('compare-seconds') ?? 5);
const WITH_POSTGRAPHILE = !flags.includes('--no-postgraphile');
const COMPARE_ONLY = flags.includes('--compare-only');
const CPU_PROF_DIR = flag('cpu-prof');
for (const option of flags.filter((f) => f.startsWith('--node-option=')))
  serverNodeArgs.push(option.slice('--node-option='.length));
if (CPU_PROF_DIR) serverNodeArgs.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROF_DIR)}`);
const SAME_NODE = flags.includes('--same-node');
const SENTINEL_BIN =
  positional[2] ??
  (CPU_PROF_DIR || SAME_NODE ? path.resolve(__dirname, '../../../bin/sentinel.js') : undefined);

const line = (label: string, result: Load, note = '') =>
  console.log(
    `  ${label.padEnd(23)}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(1)} ms, ` +
      `server CPU ${result.cpuMsPerRequest?.toFixed(2)} ms/request${note}`,
  );
const cpuRatio = (sentinel: Load, raw: Load) =>
  console.log(
    `  CPU per request Sentinel / raw pg: ${(sentinel.cpuMsPerRequest! / raw.cpuMsPerRequest!).toFixed(2)}`,
  );

/** The first section: `me` and the list against the bare and raw-pg baselines (lines kept stable). */
async function overhead(
  bareUrl: string,
  sentinel: (query: string) => Target,
  raw: (query: string) => Target,
): Promise<void> {
  const bare: Target = { url: bareUrl, request: { query: ME_QUERY }, check: (a) => !!a.data?.me };
  const run = (target: Target) => load(target, SECONDS, CONCURRENCY);
  for (const target of [bare, sentinel(ME_QUERY), sentinel(LIST_QUERY), raw(ME_QUERY)])
    await run({ ...target, pid: undefined }); // warm-up
  await run({ ...raw(LIST_QUERY), pid: undefined });
  const bareMe = await run(bare);
  const sentinelMe = await run(sentinel(ME_QUERY));
  const rawMe = await run(raw(ME_QUERY));
  const sentinelList = await run(sentinel(LIST_QUERY));
  const rawList = await run(raw(LIST_QUERY));

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
}

async function main(): Promise<void> {
  // The benchmark sends far more than a key's, a tenant's and an address's per-minute query-cost
  // budgets (the API children inherit these); the charges themselves, Redis calls per request,
  // still happen. One tenant is the only client, so it may use the whole pool.
  process.env.RATE_LIMIT_KEY_POINTS ??= String(1e9);
  process.env.RATE_LIMIT_TENANT_POINTS ??= String(1e9);
  process.env.RATE_LIMIT_IP_KEYED_POINTS ??= String(1e9);
  process.env.DB_CONNECTIONS_PER_TENANT ??= process.env.DB_POOL_SIZE ?? '10';
  if (SAME_NODE) {
    runServersOnPostgraphileNode();
    console.log("  (--same-node: Sentinel and the baselines run on PostGraphile's Node)");
  }
  const env = await openBenchEnv();
  const servers: Server[] = [];
  const others: ChildProcess[] = [];
  try {
    const bare = await startBaseline('bare-server.js');
    servers.push(bare);
    const raw = await startBaseline('raw-pg-server.js', [env.appUrl]);
    servers.push(raw);
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
    const [one] = await ownerSql(env.ownerUrl, 'select id from endpoints where name = $1', [
      'endpoint 30',
    ]);
    const endpointId = String(one!.id);
    let sentinel: Server;
    if (SENTINEL_BIN) {
      sentinel = await startOtherApi(path.resolve(SENTINEL_BIN), env.childEnv);
      others.push(sentinel.child);
    } else {
      const { child, match } = await env.startChild(
        'api',
        /"port":(\d+),"msg":"Sentinel API listening/,
      );
      sentinel = { child, port: Number(match[1]) };
    }
    const key = adminKey.secret;
    const urlOf = (server: Server) => `http://127.0.0.1:${server.port}/graphql`;
    /** Sentinel's and raw pg's answers have the same shape. */
    const sameWork =
      (server: Server) =>
      (query: string): Target => ({
        url: urlOf(server),
        key,
        pid: server.child.pid,
        request: { query, ...(query === ONE_QUERY ? { variables: { id: endpointId } } : {}) },
        check: (a) =>
          query === ME_QUERY
            ? !!a.data?.me?.slug
            : query === ONE_QUERY
              ? a.data?.endpoint?.id === endpointId
              : a.data?.endpoints?.edges.length === 50,
      });

    if (!COMPARE_ONLY) await overhead(urlOf(bare), sameWork(sentinel), sameWork(raw));

    const contenders: Contender[] = [
      {
        name: 'Sentinel API',
        targets: { list: sameWork(sentinel)(LIST_QUERY), one: sameWork(sentinel)(ONE_QUERY) },
      },
    ];
    let postgraphileNote = 'not run (--no-postgraphile)';
    if (WITH_POSTGRAPHILE) {
      try {
        const pgl = await startPostgraphile(env.appUrl);
        servers.push(pgl);
        const target = (query: string, variables?: Record<string, unknown>) => ({
          url: urlOf(pgl),
          key,
          pid: pgl.child.pid,
          request: { query, variables },
        });
        contenders.push({
          name: 'PostGraphile 5',
          targets: {
            list: {
              ...target(POSTGRAPHILE_LIST_QUERY),
              check: (a) => a.data?.allEndpoints?.edges.length === 50,
            },
            one: {
              ...target(POSTGRAPHILE_ONE_QUERY, { tenantId: tenant.id, id: endpointId }),
              check: (a) => a.data?.endpointByTenantIdAndRowId?.rowId === endpointId,
            },
          },
        });
        postgraphileNote = 'PostGraphile 5 (bench/graphql/postgraphile)';
      } catch (err) {
        postgraphileNote = `PostGraphile 5 skipped: ${(err as Error).message}`;
      }
    }
    contenders.push({
      name: 'raw pg',
      targets: { list: sameWork(raw)(LIST_QUERY), one: sameWork(raw)(ONE_QUERY) },
    });
    console.log(
      `Same reads, same role, RLS and key lookup: list = 50-row endpoint list, one = one endpoint; ` +
        `${RUNS} interleaved runs of ${COMPARE_SECONDS}s at ${CONNECTIONS.join(', ')} connections; ` +
        postgraphileNote,
    );
    await compare(contenders, {
      reads: ['list', 'one'],
      connections: CONNECTIONS,
      runs: RUNS,
      seconds: COMPARE_SECONDS,
    });
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
    for (const child of others) child.kill('SIGTERM');
    await env.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
