/**
 * Subscription fan-out: N graphql-ws subscribers of one endpoint's `riskChanged` on one API
 * process, E events published to Redis the way the worker publishes them. Prints how many
 * deliveries arrived (every subscriber must get every event) and the delivery latency (publish
 * to the subscriber's socket), p50 and p99. Baseline in the same run: one plain Redis subscriber
 * on the same channel, which is what delivery costs before Sentinel touches the message. The API
 * decodes each Redis message once (src/realtime/channels.ts) and hands it to every subscriber.
 *
 *   npm run build && node dist/bench/fanout/run.js [subscribers=1000] [events=20] [sentinel bin]
 *
 * The optional third argument runs the API from another checkout's bin/sentinel.js (built).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { createAppDataSource } from '../../src/db/data-source';
import { riskChannel, type RiskChange } from '../../src/scoring/risk-events';
import { createEndpoint } from '../../src/services/endpoints';
import { createTenant } from '../../src/services/tenants';
import { withTenant } from '../../src/tenancy/with-tenant';
import { openBenchEnv } from '../lib/bench-env';

const SUBSCRIBERS = Number(process.argv[2] ?? 1000);
const EVENTS = Number(process.argv[3] ?? 20);
const SENTINEL_BIN = process.argv[4];

function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? NaN;
}

async function main(): Promise<void> {
  const env = await openBenchEnv();
  const clients: Client[] = [];
  const others: ChildProcess[] = [];
  const publisher = new Redis(env.services.redisUrl);
  const plain = new Redis(env.services.redisUrl);
  try {
    const dataSource = await createAppDataSource(env.appUrl, 1).initialize();
    const { tenant, adminKey } = await createTenant(dataSource, { slug: 'fanout', name: 'fanout' });
    const endpoint = await withTenant(dataSource, tenant.id, (m) =>
      createEndpoint(m, tenant.id, {
        name: 'fan-out',
        url: 'https://fanout.example.com/health',
        method: 'GET',
        expectedStatusCodes: [200],
        probeEnabled: false,
        public: false,
        probeIntervalSeconds: 60,
        timeoutMs: 5000,
        sla: {
          latencyThresholdMs: 300,
          latencyPercentile: 95,
          errorRateThreshold: 0.05,
          windowMinutes: 5,
          availabilityTarget: 0.999,
        },
      }),
    );
    await dataSource.destroy();
    const ready = /"port":(\d+),"msg":"Sentinel API listening/;
    let port: string;
    if (SENTINEL_BIN) {
      const other = spawn(process.execPath, [path.resolve(SENTINEL_BIN), 'api'], {
        env: env.childEnv,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      others.push(other);
      port = await new Promise<string>((resolve) => {
        let out = '';
        other.stdout!.on('data', (chunk: Buffer) => {
          out += chunk;
          const match = ready.exec(out);
          if (match) resolve(match[1]!);
        });
      });
    } else port = (await env.startChild('api', ready)).match[1]!;
    const url = `ws://127.0.0.1:${port}/graphql`;

    // Delivery latency, keyed by event number (carried in `probability`).
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    const baseline: number[] = [];
    let subscribed = 0;
    const warmedUp = new Set<number>();
    await new Promise<void>((resolve, reject) => {
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const client = createClient({
          url,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${adminKey.secret}` },
          retryAttempts: 0,
          lazy: false,
        });
        clients.push(client);
        client.on('connected', () => {
          if (++subscribed === SUBSCRIBERS) resolve();
        });
        const subscriber = i;
        client.subscribe<{ riskChanged: { probability: number } }>(
          {
            query:
              'subscription($id: ID!) { riskChanged(endpointId: $id) { probability aboveThreshold } }',
            variables: { id: endpoint.id },
          },
          {
            next: (value) => {
              const event = Math.round(value.data!.riskChanged.probability * 1e6);
              if (event === 0) warmedUp.add(subscriber);
              else latencies.push(performance.now() - sentAt.get(event)!);
            },
            error: reject,
            complete: () => undefined,
          },
        );
      }
    });
    const publish = (i: number) => {
      const change: RiskChange = {
        endpointId: endpoint.id,
        minute: new Date().toISOString(),
        probability: i / 1e6,
        threshold: 0.5,
        aboveThreshold: i % 2 === 1,
        horizonMinutes: 15,
        modelId: '00000000-0000-4000-8000-000000000000',
        modelVersion: 1,
      };
      sentAt.set(i, performance.now());
      return publisher.publish(riskChannel(endpoint.id), JSON.stringify(change));
    };
    // Every subscription is live once each subscriber has seen a warm-up event (number 0).
    while (warmedUp.size < SUBSCRIBERS) {
      await publish(0);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    await plain.subscribe(riskChannel(endpoint.id));
    plain.on('message', (_channel: string, raw: string) => {
      const event = Math.round((JSON.parse(raw) as RiskChange).probability! * 1e6);
      if (event > 0) baseline.push(performance.now() - sentAt.get(event)!);
    });

    for (let i = 1; i <= EVENTS; i++) {
      await publish(i);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const deadline = Date.now() + 10_000;
    while (latencies.length < SUBSCRIBERS * EVENTS && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));

    latencies.sort((a, b) => a - b);
    baseline.sort((a, b) => a - b);
    const p99 = percentile(latencies, 0.99);
    const baseP99 = percentile(baseline, 0.99);
    console.log(
      `riskChanged fan-out: ${SUBSCRIBERS} subscribers of one endpoint, ${EVENTS} events`,
    );
    console.log(
      `  delivered: ${latencies.length} of ${SUBSCRIBERS * EVENTS} (${latencies.length === SUBSCRIBERS * EVENTS ? 'every subscriber got every event' : 'MISSING DELIVERIES'})`,
    );
    console.log(
      `  Sentinel, publish to socket: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
    );
    console.log(
      `  baseline, plain Redis subscriber: p50 ${percentile(baseline, 0.5).toFixed(1)} ms, p99 ${baseP99.toFixed(1)} ms`,
    );
    console.log(`  p99 ratio Sentinel / plain Redis: ${(p99 / baseP99).toFixed(1)}`);
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
    for (const other of others) other.kill('SIGTERM');
    publisher.disconnect();
    plain.disconnect();
    await env.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
