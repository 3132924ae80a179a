import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/config';
import { seedDemoTenant, type DemoTenant } from '../src/demo/seed-demo-tenant';
import { scoringReport } from '../src/jobs/scoring-report';
import { SELF_ENDPOINTS } from '../src/telemetry/self-monitoring';
import { createTestDatabase, ownerQuery, type TestDatabase } from './helpers/database';
import { resealThreshold } from './helpers/reseal';
import { until } from './helpers/poll';
import { untilSubscribed } from './helpers/subscribed';
import { riskChannel } from '../src/scoring/risk-events';
import { streamSubscription } from './helpers/ws-stream';

const BIN = path.resolve(__dirname, '../../bin/sentinel.js');
const SCORING_INTERVAL_MS = 2000;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/** `sentinel api|worker` as a process of its own; resolves once it says it is ready. */
function startProcess(role: 'api' | 'worker', env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const ready = role === 'api' ? 'Sentinel API listening' : 'worker started';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, role], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      if (out.includes(ready)) {
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve(child);
      }
    });
    child.stderr!.resume();
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}:\n${out}`)));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  running.delete(child);
}

function wsClient(port: number, key: string): WsClient {
  return createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
}

async function gql<T>(port: number, key: string, query: string, variables = {}): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

interface Progress {
  seq: number;
  state: string;
  epoch: number | null;
  modelId: string | null;
}
interface Change {
  endpointId: string;
  aboveThreshold: boolean;
}

describe('two API and two worker processes on one PostgreSQL and Redis', () => {
  let db: TestDatabase;
  let ports: [number, number];
  let publicUrl: string;
  const processes: ChildProcess[] = [];
  let demo: DemoTenant;
  let started: Date;

  before(async () => {
    db = await createTestDatabase();
    ports = [await freePort(), await freePort()];
    // What a load balancer in front of both APIs would be; here, simply the first API.
    publicUrl = `http://127.0.0.1:${ports[0]}`;
    const env = {
      ...process.env,
      LOG_LEVEL: 'info',
      DATABASE_URL: db.ownerUrl,
      APP_DATABASE_URL: db.appUrl,
      REDIS_URL: db.redisUrl,
      SENTINEL_PUBLIC_URL: publicUrl,
      SCORING_INTERVAL_MS: String(SCORING_INTERVAL_MS),
    };
    started = new Date();
    for (const port of ports)
      processes.push(await startProcess('api', { ...env, PORT: String(port) }));
    for (let i = 0; i < 2; i++) processes.push(await startProcess('worker', env));
    demo = await seedDemoTenant(db.dataSource, loadConfig(), `multi-${Date.now()}`, 2, 7);
  });
  after(async () => {
    await Promise.all(processes.map(stopProcess));
    await db?.drop();
  });

  it('runs a training job once, and serves its progress through the other API', async () => {
    const client = wsClient(ports[1], demo.adminKey);
    try {
      const { trainModel } = await gql<{ trainModel: { id: string } }>(
        ports[0],
        demo.adminKey,
        `mutation { trainModel(input: { epochs: 2, seed: 3 }) { id } }`,
      );
      const stream = streamSubscription<Progress>(
        client,
        `subscription($jobId: ID!) { trainingProgress(jobId: $jobId) { seq state epoch modelId } }`,
        { jobId: trainModel.id },
        'trainingProgress',
      );
      const events = await stream.done;
      assert.equal(events.at(-1)?.state, 'COMPLETED', JSON.stringify(events));
      // The terminal event repeats the last epoch; the running ones must not repeat any.
      const epochs = events
        .filter((e) => e.state === 'RUNNING' && e.epoch !== null)
        .map((e) => e.epoch);
      assert.deepEqual(epochs, [...new Set(epochs)], JSON.stringify(events));
      assert.ok(epochs.length > 0);
      const [row] = await ownerQuery<{ n: number; attempts: number }>(
        db.ownerUrl,
        `select (select count(*)::int from models where training_job_id = $1) as n`,
        [trainModel.id],
      );
      assert.equal(row!.n, 1, 'one model from one job');
    } finally {
      await client.dispose();
    }
  });

  it('scores once per interval, and delivers riskChanged through either API', async () => {
    const endpointId = demo.endpoints[0]!.id;
    const clients = ports.map((port) => wsClient(port, demo.adminKey));
    try {
      const streams = clients.map((client) =>
        streamSubscription<Change>(
          client,
          'subscription($id: ID!) { riskChanged(endpointId: $id) { endpointId aboveThreshold } }',
          { id: endpointId },
          'riskChanged',
        ),
      );
      // One subscriber connection per API process.
      await untilSubscribed(db.redisUrl, riskChannel(endpointId), ports.length);
      // The two-epoch model may stay a candidate at the promotion gate: made active by hand, and
      // its threshold moved with its SHA-256 re-sealed (a bare UPDATE is refused at load).
      const [model] = await ownerQuery<{ id: string }>(
        db.ownerUrl,
        `update models set status = 'ACTIVE', promoted_at = now() where tenant_id = $1 returning id`,
        [demo.tenant.id],
      );
      await resealThreshold(db.ownerUrl, model!.id, 0);
      for (const stream of streams) await stream.until((c) => c.aboveThreshold, 60_000);
      // Both streams saw each crossing exactly once: one round per interval, published once.
      await new Promise((resolve) => setTimeout(resolve, 2 * SCORING_INTERVAL_MS));
      for (const stream of streams)
        assert.equal(stream.events.filter((c) => c.aboveThreshold).length, 1);

      const redis = new Redis(db.redisUrl);
      try {
        const first = await scoringReport(redis);
        const from = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 5 * SCORING_INTERVAL_MS));
        const second = await scoringReport(redis);
        const intervals = (Date.now() - from) / SCORING_INTERVAL_MS;
        const rounds = (second.rounds ?? 0) - (first.rounds ?? 0);
        assert.ok(rounds >= 1, 'rounds ran');
        assert.ok(rounds <= intervals + 1, `${rounds} rounds in ${intervals} intervals`);
        assert.equal(second.tenant_failures ?? 0, 0);
      } finally {
        redis.disconnect();
      }
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });

  it("keeps Tenant0's self checks on the configured public URL and probes each once per interval", async () => {
    const urls = await ownerQuery<{ id: string; url: string }>(
      db.ownerUrl,
      'select id, url from endpoints where id = any($1)',
      [Object.values(SELF_ENDPOINTS).map((self) => self.id)],
    );
    for (const self of Object.values(SELF_ENDPOINTS))
      assert.equal(urls.find((u) => u.id === self.id)?.url, publicUrl + self.path);

    const probed = Object.values(SELF_ENDPOINTS).filter((self) => self.probed);
    const samples = () =>
      ownerQuery<{
        endpoint_id: string;
        observed_at: Date;
        status_code: number;
        error_kind: string;
      }>(
        db.ownerUrl,
        `select endpoint_id, observed_at, status_code, error_kind from samples
          where endpoint_id = any($1) and observed_at >= $2 order by observed_at`,
        [probed.map((self) => self.id), started],
      );
    // Probes run every 60 s: wait for a round that covers every self endpoint.
    const rows = await until(
      async () => {
        const found = await samples();
        return probed.every((self) => found.some((s) => s.endpoint_id === self.id)) && found;
      },
      'a probe of every self endpoint',
      90_000,
      1000,
    );
    for (const self of probed) {
      const times = rows.filter((s) => s.endpoint_id === self.id).map((s) => +s.observed_at);
      for (let i = 1; i < times.length; i++)
        assert.ok(times[i]! - times[i - 1]! > 30_000, `${self.name} was probed twice at once`);
      const ok = rows.filter((s) => s.endpoint_id === self.id);
      assert.ok(
        ok.every((s) => s.status_code === 200 && s.error_kind === null),
        JSON.stringify(ok),
      );
    }
  });
});
