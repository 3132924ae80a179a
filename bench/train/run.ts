/**
 * Training speed of the production MLP (src/ml/mlp.ts) on `sentinel demo` features, per available
 * TensorFlow.js backend, against PyTorch (Debian's python3-torch, CPU) training the same network
 * on the same rows, batch size, optimiser and epochs, in the same run.
 *
 *   npm run build && node dist/bench/train/run.js [days=28] [epochs=3]
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { logger } from '../../src/config/logger';
import { createAppDataSource } from '../../src/db/data-source';
import { seedDemoTenant } from '../../src/demo/seed-demo-tenant';
import { loadTf, type BackendName } from '../../src/ml/backend';
import { fitNormalization, normalize } from '../../src/ml/dataset';
import { DEFAULT_MLP, shuffled, trainMlp } from '../../src/ml/mlp';
import { tenantFeatureRows } from '../../src/training/feature-data';
import { runBench } from '../lib/bench-env';

const DAYS = Number(process.argv[2] ?? 28);
const EPOCHS = Number(process.argv[3] ?? 3);
const HERE = path.resolve(__dirname, '../../../bench/train');

// Before the database: the baseline's install (once) needs nothing of it.
execFileSync(path.join(HERE, 'ensure-torch.sh'), { stdio: 'inherit' });

runBench(async (env) => {
  const dataSource = await createAppDataSource(env.appUrl, 2).initialize();
  const demo = await seedDemoTenant(dataSource, loadConfig(), 'bench-train', DAYS, 42);
  const to = new Date();
  const data = await tenantFeatureRows(
    dataSource,
    demo.tenant.id,
    new Date(to.getTime() - DAYS * 86_400_000),
    to,
    15,
  );
  await dataSource.destroy();

  const rows = data.flatMap((d) => d.rows);
  const normalization = fitNormalization(rows);
  const x = rows.map((r) => normalize(r.features, normalization));
  const y = rows.map((r) => r.label);
  const positives = y.filter((v) => v === 1).length;
  // A token validation set: trainMlp wants one; patience = epochs, so no early stop.
  const validation = { x: x.slice(0, 256), y: y.slice(0, 256) };
  const options = { ...DEFAULT_MLP, epochs: EPOCHS, patience: EPOCHS };
  console.log(
    `Training speed: ${rows.length.toLocaleString('en')} rows x ${x[0]!.length} features (${DAYS} days x ${data.length} endpoints, ${positives} positive), ` +
      `MLP ${x[0]!.length}-${options.hidden.join('-')}-1, batch ${options.batchSize}, Adam ${options.learningRate}, ${EPOCHS} epochs`,
  );

  // PyTorch trains on the rows in the order trainMlp feeds them (seeded shuffle, no reshuffling).
  const order = shuffled(
    x.map((_, i) => i),
    options.seed,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-train-'));
  fs.writeFileSync(
    path.join(dir, 'x.f32'),
    Buffer.from(new Float32Array(order.flatMap((i) => x[i]!)).buffer),
  );
  fs.writeFileSync(
    path.join(dir, 'y.f32'),
    Buffer.from(new Float32Array(order.map((i) => y[i]!)).buffer),
  );
  fs.writeFileSync(
    path.join(dir, 'meta.json'),
    JSON.stringify({
      rows: rows.length,
      width: x[0]!.length,
      hidden: options.hidden,
      learningRate: options.learningRate,
      batchSize: options.batchSize,
      epochs: EPOCHS,
      seed: options.seed,
      positiveWeight: (rows.length - positives) / positives,
      threads: [1, os.cpus().length],
    }),
  );
  const torch = execFileSync('/usr/bin/python3', [path.join(HERE, 'torch_mlp.py'), dir])
    .toString()
    .trim()
    .split('\n')
    .map(
      (line) => JSON.parse(line) as { threads: number; samplesPerSecond: number; torch: string },
    );
  fs.rmSync(dir, { recursive: true });
  for (const t of torch)
    console.log(
      `  PyTorch ${t.torch} CPU, ${t.threads} thread(s): ${Math.round(t.samplesPerSecond).toLocaleString('en')} samples/s`,
    );
  const reference = torch[0]!.samplesPerSecond;

  const { tf } = await loadTf(logger);
  for (const backend of ['tensorflow', 'wasm', 'cpu'] satisfies BackendName[]) {
    if (!tf.findBackendFactory(backend) || !(await tf.setBackend(backend))) {
      console.log(`  TF.js ${backend}: not available here`);
      continue;
    }
    const started = process.hrtime.bigint();
    const { model } = await trainMlp(tf, { x, y }, validation, options);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    model.dispose();
    const rate = (rows.length * EPOCHS) / seconds;
    console.log(
      `  TF.js ${backend}: ${Math.round(rate).toLocaleString('en')} samples/s, ${(rate / reference).toFixed(3)}x PyTorch (1 thread)`,
    );
  }
});
