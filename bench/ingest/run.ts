/**
 * Ingestion throughput: the same rows through `psql \copy` (the baseline: raw COPY straight into
 * `samples` as the owner), through POST /ingest (NDJSON streamed from disk) and through the
 * `ingestSamples` mutation (batches of 1000), into the same table in the same run. Prints rows/s,
 * the ratios to raw COPY, the API's peak RSS, and the rollup lag (batch acknowledged -> its
 * minute's rollup current, with a worker running).
 *
 *   npm run build && node dist/bench/ingest/run.js [rows=1000000] [mutationRows=100000]
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { once } from 'node:events';
import http from 'node:http';
import { createAppDataSource } from '../../src/db/data-source';
import { createTenant } from '../../src/services/tenants';
import { withTenant } from '../../src/tenancy/with-tenant';
import { openBenchEnv, ownerSql, peakRssMiB } from '../lib/bench-env';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const MUTATION_ROWS = Number(process.argv[3] ?? 100_000);
const ENDPOINTS = 10;

/** Deterministic synthetic rows over the last 36 hours, written as NDJSON and as CSV for \copy. */
async function writeRows(
  dir: string,
  tenantId: string,
  endpointIds: string[],
): Promise<{ ndjson: string; csv: string }> {
  const ndjson = path.join(dir, 'rows.ndjson');
  const csv = path.join(dir, 'rows.csv');
  const nd = fs.createWriteStream(ndjson);
  const cs = fs.createWriteStream(csv);
  const start = Date.now() - 36 * 3600_000;
  const step = (36 * 3600_000) / ROWS;
  for (let i = 0; i < ROWS; i++) {
    const endpointId = endpointIds[i % endpointIds.length]!;
    const observedAt = new Date(start + i * step).toISOString();
    const latencyMs = Math.round((40 + ((i * 7919) % 400)) * 10) / 10;
    const failed = i % 97 === 0;
    const statusCode = failed ? 503 : 200;
    const errorKind = failed ? 'unexpected_status' : null;
    nd.write(`${JSON.stringify({ endpointId, observedAt, latencyMs, statusCode, errorKind })}\n`);
    cs.write(
      `${tenantId},${endpointId},${observedAt},${latencyMs},${statusCode},${errorKind ?? ''}\n`,
    );
    // Checked at await time: one stream may drain while we wait for the other.
    if (nd.writableNeedDrain) await once(nd, 'drain');
    if (cs.writableNeedDrain) await once(cs, 'drain');
  }
  nd.end();
  cs.end();
  await Promise.all([once(nd, 'finish'), once(cs, 'finish')]);
  return { ndjson, csv };
}

function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = process.hrtime.bigint();
  return work().then((value) => ({
    value,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  }));
}

/** Streams a file as the body of POST /ingest. */
function postFile(url: string, key: string, file: string): Promise<{ accepted: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        authorization: `Bearer ${key}`,
        'content-length': fs.statSync(file).size,
      },
    });
    request.on('response', async (response) => {
      let text = '';
      for await (const chunk of response) text += chunk;
      if (response.statusCode !== 200) reject(new Error(text));
      else resolve(JSON.parse(text) as { accepted: number });
    });
    request.on('error', reject);
    fs.createReadStream(file).pipe(request);
  });
}

async function main(): Promise<void> {
  const env = await openBenchEnv();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-ingest-'));
  try {
    const dataSource = await createAppDataSource(env.appUrl, 2).initialize();
    const { tenant, adminKey } = await createTenant(dataSource, { slug: 'bench', name: 'bench' });
    const endpointIds = await withTenant(dataSource, tenant.id, async (m) => {
      const ids: string[] = [];
      for (let i = 0; i < ENDPOINTS; i++) {
        const [row] = await m.query(
          `insert into endpoints (tenant_id, id, name, url, method, expected_status_codes, probe_interval_seconds, timeout_ms,
             latency_threshold_ms, latency_percentile, error_rate_threshold, window_minutes, availability_target)
           values ($1, gen_random_uuid(), $2, 'https://bench.example', 'GET', '{200}', 60, 1000, 300, 95, 0.05, 5, 0.999) returning id`,
          [tenant.id, `e${i}`],
        );
        ids.push(row.id);
      }
      await m.query(
        `select ensure_sample_partitions((now() - interval '3 days')::date, (now() + interval '1 day')::date)`,
      );
      return ids;
    });
    const files = await writeRows(dir, tenant.id, endpointIds);
    const mb = fs.statSync(files.ndjson).size / 1048576;
    const truncate = () => ownerSql(env.ownerUrl, 'truncate samples, ingest_batches');

    // Baseline: psql \copy of the same rows, as the owner (superuser), straight into samples.
    const copy = await timed(async () => {
      const result = spawnSync(
        'psql',
        [
          env.ownerUrl,
          '-v',
          'ON_ERROR_STOP=1',
          '-c',
          `\\copy samples (tenant_id, endpoint_id, observed_at, latency_ms, status_code, error_kind) from '${files.csv}' with (format csv)`,
        ],
        { encoding: 'utf8' },
      );
      if (result.status !== 0) throw new Error(result.stderr);
    });
    await truncate();

    const { child: api, match } = await env.startChild(
      'api',
      /"port":(\d+),"msg":"Sentinel API listening/,
    );
    const apiUrl = `http://127.0.0.1:${match[1]}`;
    const bulk = await timed(() =>
      postFile(
        `${apiUrl}/ingest?batchId=bench-${crypto.randomUUID()}`,
        adminKey.secret,
        files.ndjson,
      ),
    );
    if (bulk.value.accepted !== ROWS)
      throw new Error(`bulk accepted ${bulk.value.accepted} of ${ROWS}`);
    const rssAfterBulk = peakRssMiB(api.pid!);
    await truncate();

    // ingestSamples: the first MUTATION_ROWS rows, 1000 per call, 4 calls in flight.
    const lines: object[] = [];
    for await (const line of readline.createInterface({
      input: fs.createReadStream(files.ndjson),
    })) {
      if (lines.length === MUTATION_ROWS) break;
      lines.push(JSON.parse(line) as object);
    }
    const mutation = await timed(async () => {
      let next = 0;
      const worker = async () => {
        while (next < lines.length) {
          const batch = lines.slice(next, (next += 1000));
          const response = await fetch(`${apiUrl}/graphql`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${adminKey.secret}`,
            },
            body: JSON.stringify({
              query:
                'mutation($input: IngestSamplesInput!) { ingestSamples(input: $input) { accepted } }',
              variables: { input: { batchId: crypto.randomUUID(), samples: batch } },
            }),
          });
          const body = (await response.json()) as {
            data?: { ingestSamples: { accepted: number } };
          };
          if (body.data?.ingestSamples.accepted !== batch.length)
            throw new Error(JSON.stringify(body));
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
    });
    const rssPeak = peakRssMiB(api.pid!);

    // Rollup lag with a worker consuming the rollup queue.
    await env.startChild('worker', /worker started/);
    const lags: number[] = [];
    for (let i = 0; i < 20; i++) {
      const observedAt = new Date().toISOString();
      const batch = Array.from({ length: 100 }, (_, j) => ({
        endpointId: endpointIds[j % ENDPOINTS],
        observedAt,
        latencyMs: j,
      }));
      const body = batch.map((row) => JSON.stringify(row)).join('\n');
      const response = await fetch(`${apiUrl}/ingest?batchId=lag-${i}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          authorization: `Bearer ${adminKey.secret}`,
        },
        body,
      });
      if (response.status !== 200) throw new Error(await response.text());
      const acked = Date.now();
      const minute = new Date(Math.floor(Date.parse(observedAt) / 60_000) * 60_000);
      for (;;) {
        const [row] = await withTenant(dataSource, tenant.id, (m) =>
          m.query(
            'select coalesce(sum(sample_count), 0)::int as n from rollups_minute where minute = $1',
            [minute],
          ),
        );
        const [raw] = await withTenant(dataSource, tenant.id, (m) =>
          m.query(
            `select count(*)::int as n from samples where observed_at >= $1 and observed_at < $1::timestamptz + interval '1 minute'`,
            [minute],
          ),
        );
        if (row.n === raw.n) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      lags.push(Date.now() - acked);
    }
    await dataSource.destroy();
    lags.sort((a, b) => a - b);

    const rate = (rows: number, seconds: number) => rows / seconds;
    const copyRate = rate(ROWS, copy.seconds);
    const bulkRate = rate(ROWS, bulk.seconds);
    const mutationRate = rate(lines.length, mutation.seconds);
    console.log(
      `Ingestion of ${ROWS.toLocaleString('en')} rows (${mb.toFixed(0)} MiB NDJSON), ${ENDPOINTS} endpoints`,
    );
    console.log(`  psql \\copy (baseline)  : ${copyRate.toFixed(0)} rows/s`);
    console.log(
      `  POST /ingest (NDJSON)  : ${bulkRate.toFixed(0)} rows/s   ratio ${(bulkRate / copyRate).toFixed(3)}   API peak RSS ${rssAfterBulk.toFixed(0)} MiB`,
    );
    console.log(
      `  ingestSamples (1000/call, ${lines.length.toLocaleString('en')} rows): ${mutationRate.toFixed(0)} rows/s   ratio ${(mutationRate / copyRate).toFixed(3)}`,
    );
    console.log(`  API peak RSS overall   : ${rssPeak.toFixed(0)} MiB`);
    console.log(`  rollup lag (20 batches): median ${lags[10]} ms, max ${lags[19]} ms`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await env.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
