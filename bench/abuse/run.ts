/**
 * Abuse: what a victim tenant sees while other tenants attack, against the same without attack,
 * in one run. The attack (issue 10), all at once: 12 slow uploads (POST /ingest bodies trickling
 * a byte every few seconds), an alias flood from one key (telemetry fields aliased until the
 * query cost refuses them, and the largest accepted ones back to back until the key's rate limit
 * answers 429), and a poisoned tenant (latencies of 1e200 on every ingestion, and a rollup that
 * fails). Measured: the victim's `{ me }` p99 over sequential requests, and its ingestion round
 * (1000 samples through POST /ingest, then the rollup job, which runs beside the poisoned one).
 *
 * Also printed: the CPU time the API and the attacking process used in each phase, so that what
 * the server spends on the attack can be told from the cores the attacker's own process takes
 * from everyone on this machine. ABUSE_ATTACKER_NICE=19 runs the attacker at that niceness: it
 * then mostly gets the cores the API and the victim leave idle. ABUSE_FLOOD_FIELDS (default
 * 620,13,620,13) sets the aliased fields each of the flood's four connections sends: 620 is
 * refused for its aliases, 13 is the largest operation the cost limit accepts.
 *
 *   npm run bench:abuse [requests=150] [rounds=5]
 */
import 'reflect-metadata';
import type Bull from 'bull';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { logger } from '../../src/config/logger';
import { createAppDataSource } from '../../src/db/data-source';
import { openApiQueues } from '../../src/jobs/api-queues';
import { rollupProcessor, type RollupJob } from '../../src/jobs/rollup-jobs';
import type { ProcessorDeps } from '../../src/jobs/processor';
import { createTenant } from '../../src/services/tenants';
import { ownerSql, runBench } from '../lib/bench-env';

const REQUESTS = Number(process.argv[2] ?? 150);
const ROUNDS = Number(process.argv[3] ?? 5);

interface Tenant {
  id: string;
  key: string;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

/** User + system CPU seconds a process has used so far (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

runBench(async (env) => {
  const dataSource = await createAppDataSource(env.appUrl, 4).initialize();
  const queues = openApiQueues(env.services.redisUrl);
  const tenant = async (slug: string): Promise<Tenant> => {
    const { tenant, adminKey } = await createTenant(dataSource, { slug, name: slug });
    return { id: tenant.id, key: adminKey.secret };
  };
  const victim = await tenant('victim');
  const flooder = await tenant('flooder');
  const poisoned = await tenant('poisoned');
  const uploaders = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => tenant(`uploader-${i}`)));
  const { child: api, match } = await env.startChild(
    'api',
    /"port":(\d+),"msg":"Sentinel API listening/,
  );
  const base = `http://127.0.0.1:${match[1]}`;

  const gql = async (key: string, query: string, variables?: unknown) => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: res.status,
      body: (await res.json()) as {
        data?: Record<string, { id?: string; slug?: string } | undefined>;
        errors?: Array<{ extensions?: { reason?: string } }>;
      },
    };
  };
  const endpointOf = async (t: Tenant) =>
    (
      await gql(t.key, 'mutation($i: CreateEndpointInput!) { createEndpoint(input: $i) { id } }', {
        i: { name: 'api', url: 'https://example.com/health', sla: { latencyThresholdMs: 300 } },
      })
    ).body.data!.createEndpoint!.id!;
  const victimEndpoint = await endpointOf(victim);
  const flooderEndpoint = await endpointOf(flooder);
  const poisonedEndpoint = await endpointOf(poisoned);
  // The poisoned tenant's rollups fail, whatever the cause (here a trigger refusing its rows).
  await ownerSql(
    env.ownerUrl,
    `create function bench_refuse() returns trigger language plpgsql as $$
       begin raise exception 'poisoned rollup'; end $$;
     create trigger bench_refuse before insert on rollups_minute for each row
       when (new.tenant_id = '${poisoned.id}') execute function bench_refuse()`,
  );

  let batch = 0;
  let poisonOn = false;
  const ingest = async (t: Tenant, endpointId: string, latencyMs: number) => {
    const now = Date.now();
    const body = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({
        endpointId,
        observedAt: new Date(now - i * 1000).toISOString(),
        latencyMs,
        statusCode: 200,
      }),
    ).join('\n');
    const res = await fetch(`${base}/ingest?batchId=b${batch++}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${t.key}` },
      body,
    });
    return res.json() as Promise<{ accepted: number }>;
  };
  const deps = { config: {}, dataSource, logger, queues } as unknown as ProcessorDeps;
  const rollup = (t: Tenant, endpointId: string) =>
    rollupProcessor.process(
      {
        data: {
          tenantId: t.id,
          ranges: [
            {
              endpointId,
              from: new Date(Date.now() - 1_000_000).toISOString(),
              to: new Date().toISOString(),
            },
          ],
        },
      } as Bull.Job<RollupJob>,
      deps,
    );

  /** The victim's view: `{ me }` p99 (sequential), and its ingestion + rollup round. */
  const measure = async () => {
    const me: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const started = performance.now();
      const res = await gql(victim.key, '{ me { slug } }');
      if (res.body.data?.me?.slug !== 'victim') throw new Error(JSON.stringify(res.body));
      me.push(performance.now() - started);
    }
    const rounds: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      const [stored] = await Promise.all([
        ingest(victim, victimEndpoint, 40),
        poisonOn ? ingest(poisoned, poisonedEndpoint, 1e200) : undefined,
      ]);
      if (stored.accepted !== 1000) throw new Error(`victim batch: ${JSON.stringify(stored)}`);
      const [own, other] = await Promise.allSettled([
        rollup(victim, victimEndpoint),
        poisonOn ? rollup(poisoned, poisonedEndpoint) : Promise.reject(new Error('off')),
      ]);
      if (own.status !== 'fulfilled') throw own.reason;
      if (other.status !== 'rejected') throw new Error('the poisoned rollup did not fail');
      rounds.push(performance.now() - started);
    }
    return { p99: percentile(me, 99), p50: percentile(me, 50), round: median(rounds) };
  };

  // The poisoned tenant has ordinary samples too, so its rollup has rows to (fail to) write.
  await ingest(poisoned, poisonedEndpoint, 40);
  await measure(); // warm-up
  const quietStarted = { at: performance.now(), api: cpuSeconds(api.pid) };
  const quiet = await measure();
  const quietCpu = {
    seconds: (performance.now() - quietStarted.at) / 1000,
    api: cpuSeconds(api.pid) - quietStarted.api,
  };

  // The attack, from a process of its own.
  const parts = (process.env.ABUSE_PARTS ?? 'uploads,flood,poison').split(',');
  const attacker = spawn(
    process.execPath,
    [
      path.join(__dirname, 'attacker.js'),
      JSON.stringify({
        base,
        uploaderKeys: uploaders.map((u) => u.key),
        flooderKey: flooder.key,
        endpointId: flooderEndpoint,
        parts,
        floodFields: (process.env.ABUSE_FLOOD_FIELDS ?? '620,13,620,13').split(',').map(Number),
      }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const niceness = process.env.ABUSE_ATTACKER_NICE;
  if (niceness) os.setPriority(attacker.pid!, Number(niceness));
  let attackerOut = '';
  attacker.stdout!.on('data', (chunk: Buffer) => (attackerOut += chunk));
  await new Promise<void>((resolve) => {
    const check = () => (attackerOut.includes('attacking') ? resolve() : setTimeout(check, 50));
    check();
  });
  const attackBegan = performance.now();
  await new Promise((r) => setTimeout(r, 1000)); // let the uploads and the flood get going
  poisonOn = parts.includes('poison');
  const attackStarted = {
    at: performance.now(),
    api: cpuSeconds(api.pid),
    attacker: cpuSeconds(attacker.pid),
  };
  const attacked = await measure();
  const attackCpu = {
    seconds: (performance.now() - attackStarted.at) / 1000,
    api: cpuSeconds(api.pid) - attackStarted.api,
    attacker: cpuSeconds(attacker.pid) - attackStarted.attacker,
  };
  const exited = new Promise((resolve) => attacker.once('exit', resolve));
  attacker.kill('SIGTERM');
  await exited;
  const stats = JSON.parse(attackerOut.trim().split('\n').pop() ?? '{}') as Record<
    string,
    number
  > & { servedSpans?: Array<[number, number]> };
  await queues.close();
  await dataSource.destroy();

  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(
    `Abuse: victim's view, ${REQUESTS} sequential { me } and ${ROUNDS} ingestion rounds (1000 samples + rollup) each`,
  );
  console.log(
    `  attack (${parts.join('+')}): ${stats.uploadsHeld ?? 0} slow uploads, alias flood from one key (${stats.refused ?? 0} refused, ${stats.limited ?? 0} rate-limited, ${stats.served ?? 0} served), poisoned tenant ${poisonOn ? 'on' : 'off'}`,
  );
  console.log(
    `  { me } p99     : ${quiet.p99.toFixed(1)} ms quiet, ${attacked.p99.toFixed(1)} ms attacked, ratio ${ratio(attacked.p99, quiet.p99)} (p50 ${quiet.p50.toFixed(1)} / ${attacked.p50.toFixed(1)} ms)`,
  );
  console.log(
    `  ingest+rollup  : ${quiet.round.toFixed(0)} ms quiet, ${attacked.round.toFixed(0)} ms attacked, ratio ${ratio(attacked.round, quiet.round)} (median round)`,
  );
  const share = (cpu: number, seconds: number) => `${((100 * cpu) / seconds).toFixed(0)}%`;
  console.log(
    `  cpu            : api ${quietCpu.api.toFixed(2)} s in ${quietCpu.seconds.toFixed(1)} s quiet (${share(quietCpu.api, quietCpu.seconds)} of a core), ${attackCpu.api.toFixed(2)} s in ${attackCpu.seconds.toFixed(1)} s attacked (${share(attackCpu.api, attackCpu.seconds)}); attacker process ${attackCpu.attacker.toFixed(2)} s (${share(attackCpu.attacker, attackCpu.seconds)}${niceness ? `, nice ${niceness}` : ''}); ${stats.failed ?? 0} flood requests cut off`,
  );
  const since = (at: number) => (at - attackBegan).toFixed(0);
  console.log(
    `  flood timing   : operations served at ${(stats.servedSpans ?? []).map(([a, b]) => `${a}-${b}`).join(', ') || 'none'} ms after the attack began; victim measured ${since(attackStarted.at)}-${since(attackStarted.at + attackCpu.seconds * 1000)} ms`,
  );
});
