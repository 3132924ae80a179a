import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { logger } from '../src/config/logger';
import { seedDemoTenant, type DemoTenant } from '../src/demo/seed-demo-tenant';
import { loadTf } from '../src/ml/backend';
import { FEATURE_NAMES } from '../src/ml/features';
import { DEFAULT_MLP } from '../src/ml/mlp';
import { MODEL_FEATURES } from '../src/ml/model-features';
import { trainAndEvaluate } from '../src/ml/pipeline';
import { startWorker } from '../src/processes/worker';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { promoteTrained } from './helpers/promote-trained';
import { resealThreshold } from './helpers/reseal';
import { streamSubscription } from './helpers/ws-stream';
import { until } from './helpers/poll';
import { untilSubscribed } from './helpers/subscribed';
import { riskChannel } from '../src/scoring/risk-events';
import { tenantFeatureRows } from '../src/training/feature-data';

const RISK_CHANGED = `subscription($id: ID!) { riskChanged(endpointId: $id) { endpointId probability threshold aboveThreshold modelVersion horizonMinutes } }`;
const RISK = `query($id: ID!) { risk(endpointId: $id) { probability aboveThreshold modelId modelVersion horizonMinutes minute topFeatures { name value contribution } } }`;

interface Change {
  endpointId: string;
  probability: number;
  threshold: number;
  aboveThreshold: boolean;
  modelVersion: number;
}

describe('scoring every minute, risk, riskChanged and forecast', () => {
  const fx = useApiFixture();
  let demo: DemoTenant;
  let worker: { stop: () => Promise<void> };
  let modelId: string;

  before(async () => {
    demo = await seedDemoTenant(fx.db.dataSource, fx.api.config, `score-${Date.now()}`, 6, 11);
    // Scoring every second instead of every minute, so the test sees several rounds.
    const config = { ...fx.api.config, jobs: { ...fx.api.config.jobs, scoringIntervalMs: 1000 } };
    worker = await startWorker(
      config,
      { appDatabaseUrl: fx.db.appUrl, redisUrl: fx.db.redisUrl },
      logger,
    );
    const train = await fx.api.gql<{ trainModel: { id: string } }>(
      `mutation { trainModel(input: { epochs: 3, seed: 5 }) { id } }`,
      {},
      demo.adminKey,
    );
    const jobId = train.data!.trainModel.id;
    modelId = await until(
      async () => {
        const job = await fx.api.gql<{ trainingJob: { state: string; modelId: string | null } }>(
          `query($id: ID!) { trainingJob(id: $id) { state modelId } }`,
          { id: jobId },
          demo.adminKey,
        );
        assert.notEqual(job.data!.trainingJob.state, 'FAILED');
        return job.data!.trainingJob.modelId;
      },
      'the model',
      120_000,
    );
    // A 3-epoch model may stay a candidate at the promotion gate: promoted by hand here.
    await fx.api.gql(
      `mutation($id: ID!) { promoteModel(id: $id) { status } }`,
      { id: modelId },
      demo.adminKey,
    );
  });
  after(async () => {
    await worker?.stop();
  });

  it('stores a prediction per endpoint with the features that moved it, and streams threshold crossings both ways', async () => {
    const endpointId = demo.endpoints[0]!.id;
    const risk = await until(
      async () =>
        (
          await fx.api.gql<{
            risk: {
              probability: number;
              modelId: string;
              modelVersion: number;
              horizonMinutes: number;
              topFeatures: unknown[];
            } | null;
          }>(RISK, { id: endpointId }, demo.adminKey)
        ).data!.risk,
      'a prediction',
    );
    assert.equal(risk.modelId, modelId);
    assert.deepEqual([risk.modelVersion, risk.horizonMinutes], [1, 15]);
    // Explained when it matters (above, near or crossing the threshold); otherwise none.
    assert.ok([0, 3].includes(risk.topFeatures.length));
    assert.ok(risk.probability >= 0 && risk.probability <= 1);

    const client = fx.api.wsClient(demo.adminKey);
    const intruder = fx.api.wsClient(fx.tenant.adminKey);
    try {
      const spy = streamSubscription<Change>(
        intruder,
        RISK_CHANGED,
        { id: endpointId },
        'riskChanged',
      );
      await assert.rejects(
        spy.done,
        (errors: Array<{ extensions: { code: string } }>) =>
          errors[0]!.extensions.code === 'NOT_FOUND',
      );

      const stream = streamSubscription<Change>(
        client,
        RISK_CHANGED,
        { id: endpointId },
        'riskChanged',
      );
      // Move the threshold under every probability, then over it: the next rounds must cross it.
      await untilSubscribed(fx.db.redisUrl, riskChannel(endpointId));
      await resealThreshold(fx.db.ownerUrl, modelId, 0);
      const up = await stream.until((c) => c.aboveThreshold, 30_000);
      assert.deepEqual([up.endpointId, up.threshold, up.modelVersion], [endpointId, 0, 1]);
      // Above the threshold, a prediction names the features that moved it.
      await until(async () => {
        const { risk: above } = (
          await fx.api.gql<{ risk: { aboveThreshold: boolean; topFeatures: unknown[] } }>(
            RISK,
            { id: endpointId },
            demo.adminKey,
          )
        ).data!;
        return above.aboveThreshold && above.topFeatures.length === 3;
      }, 'an explained prediction above the threshold');
      await resealThreshold(fx.db.ownerUrl, modelId, 1);
      const down = await stream.until((c) => !c.aboveThreshold, 30_000);
      assert.equal(down.threshold, 1);
      stream.stop();
    } finally {
      await client.dispose();
      await intruder.dispose();
    }
  });

  it("reports the workers' TensorFlow.js backend on the API's /healthz (the API itself never loads it)", async () => {
    const health = (await (await fetch(`${fx.api.url}/healthz`)).json()) as {
      process: string;
      tensorflow: { backend: string } | null;
    };
    assert.equal(health.process, 'api');
    assert.ok(
      ['tensorflow', 'wasm', 'cpu'].includes(health.tensorflow!.backend),
      JSON.stringify(health),
    );
  });

  it('backtests a past range with the active model, beside the actual breaches', async () => {
    const endpointId = demo.endpoints[1]!.id;
    const to = new Date();
    const from = new Date(to.getTime() - 6 * 3600_000);
    const response = await fx.api.gql<{
      forecast: {
        modelVersion: number;
        points: Array<{ minute: string; probability: number; breached: boolean; onset: boolean }>;
      };
    }>(
      `query($id: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { forecast(endpointId: $id, from: $from, to: $to) { modelVersion points { minute probability breached onset } } }`,
      { id: endpointId, from, to },
      demo.adminKey,
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const { points, modelVersion } = response.data!.forecast;
    assert.equal(modelVersion, 1);
    assert.ok(points.length > 300 && points.length <= 360, `${points.length} minutes`);
    assert.ok(points.every((p) => p.probability >= 0 && p.probability <= 1));
    assert.ok(
      points.every((p) => !p.onset || p.breached),
      'an onset is a breached minute',
    );
    const tooLong = await fx.api.gql(
      `query($id: ID!) { forecast(endpointId: $id, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { modelId } }`,
      { id: endpointId },
      demo.adminKey,
    );
    assert.equal(tooLong.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  it('refuses a tampered artifact and keeps scoring with the model that loaded', async () => {
    // Version 2: a copy of the active model with one weight byte flipped, then promoted.
    const [copy] = await ownerQuery<{ id: string }>(
      fx.db.ownerUrl,
      `insert into models (tenant_id, id, version, status, kind, horizon_minutes, feature_names, normalization, hidden_units, threshold,
                           calibration, digest_version, training_from, training_to, evaluation, topology, weight_specs, weights, artifact_sha256)
       select tenant_id, gen_random_uuid(), 2, 'CANDIDATE', kind, horizon_minutes, feature_names, normalization, hidden_units, threshold,
              calibration, digest_version,
              training_from, training_to, evaluation, topology, weight_specs, set_byte(weights, 7, get_byte(weights, 7) # 1), artifact_sha256
         from models where id = $1 returning id`,
      [modelId],
    );
    const promoted = await fx.api.gql(
      `mutation($id: ID!) { promoteModel(id: $id) { status } }`,
      { id: copy!.id },
      demo.adminKey,
    );
    assert.equal(promoted.errors, undefined);
    const since = new Date();
    const latest = await until(
      async () => {
        const [row] = await ownerQuery<{ model_id: string }>(
          fx.db.ownerUrl,
          `select model_id from predictions where tenant_id = $1 and created_at > $2 order by created_at desc limit 1`,
          [demo.tenant.id, since],
        );
        return row;
      },
      'a scoring round after the promotion',
      60_000,
    );
    assert.equal(latest.model_id, modelId, 'predictions still come from version 1');
    const rows = await ownerQuery(fx.db.ownerUrl, `select 1 from predictions where model_id = $1`, [
      copy!.id,
    ]);
    assert.equal(rows.length, 0, 'the tampered model never scored');
  });

  it('names a refused model (not "no active model"), and serves it again once its record is restored', async () => {
    const [copy] = await ownerQuery<{ id: string }>(
      fx.db.ownerUrl,
      'select id from models where tenant_id = $1 and version = 2',
      [demo.tenant.id],
    );
    const why = await until(
      async () => {
        const response = await fx.api.gql<{ modelComparison: { why: string } }>(
          '{ modelComparison { why } }',
          {},
          demo.adminKey,
        );
        const text = response.data!.modelComparison.why;
        return /version 2 is refused/.test(text) ? text : null;
      },
      'the refusal named in modelComparison',
      60_000,
    );
    assert.match(why, /does not match its SHA-256/);
    // The byte flipped back: the record is restored, and the next rounds load and serve it.
    await ownerQuery(
      fx.db.ownerUrl,
      'update models set weights = set_byte(weights, 7, get_byte(weights, 7) # 1) where id = $1',
      [copy!.id],
    );
    await until(
      async () =>
        (
          await ownerQuery(fx.db.ownerUrl, 'select 1 from predictions where model_id = $1', [
            copy!.id,
          ])
        ).length > 0 || null,
      'a prediction from the restored model',
      60_000,
    );
    const [row] = await ownerQuery<{ refused_reason: string | null }>(
      fx.db.ownerUrl,
      'select refused_reason from models where id = $1',
      [copy!.id],
    );
    assert.equal(row!.refused_reason, null);
  });
  it('backtests a minute after a data gap as too little data: probability 0 and why, never an alert', async () => {
    // Thirty minutes without telemetry on one endpoint, ending 90 minutes ago.
    const endpointId = demo.endpoints[2]!.id;
    const minute = (ago: number) =>
      new Date(Math.floor(Date.now() / 60_000) * 60_000 - ago * 60_000);
    const gapEnd = minute(90);
    await ownerQuery(
      fx.db.ownerUrl,
      'delete from rollups_minute where endpoint_id = $1 and minute >= $2 and minute < $3',
      [endpointId, minute(120), gapEnd],
    );
    const response = await fx.api.gql<{
      forecast: {
        threshold: number;
        points: Array<{ minute: string; probability: number; insufficientData: string | null }>;
      };
    }>(
      `query($id: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { forecast(endpointId: $id, from: $from, to: $to) { threshold points { minute probability insufficientData } } }`,
      { id: endpointId, from: minute(180), to: minute(60) },
      demo.adminKey,
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const { points } = response.data!.forecast;
    const afterGap = points.find((p) => new Date(p.minute) >= gapEnd);
    assert.ok(afterGap, 'a point after the gap');
    assert.equal(afterGap.minute, gapEnd.toISOString(), 'no minute inside the gap');
    assert.match(afterGap.insufficientData ?? '', /sample.* in the last 15 minutes/);
    assert.equal(afterGap.probability, 0);
    // Before the gap the endpoint had its usual data: forecasts, each with no reason.
    const before = points.filter((p) => new Date(p.minute) < minute(120));
    assert.ok(before.length > 30);
    assert.ok(before.every((p) => p.insufficientData === null));
  });

  it('keeps serving a model trained on an older feature list, with the calendar features', async () => {
    // What the API trains now learns without time of day and day of week...
    const [current] = await ownerQuery<{ feature_names: string[] }>(
      fx.db.ownerUrl,
      'select feature_names from models where id = $1',
      [modelId],
    );
    assert.deepEqual(current!.feature_names, MODEL_FEATURES);
    // ...while a model trained before the change, on every computed feature, still loads and
    // scores after an upgrade: each model is given the features it names, in its order.
    const { tf } = await loadTf(logger);
    const now = new Date();
    const data = await tenantFeatureRows(
      fx.db.dataSource,
      demo.tenant.id,
      new Date(now.getTime() - 2 * 86_400_000),
      now,
      15,
    );
    const outcome = await trainAndEvaluate(tf, data, 15, {
      ...DEFAULT_MLP,
      epochs: 1,
      featureNames: FEATURE_NAMES,
    });
    assert.equal(outcome.normalization.center.length, FEATURE_NAMES.length);
    // The model as trained before 2026-11-30: registered with every computed feature's name.
    const older = await promoteTrained(tf, fx.db.dataSource, demo.tenant.id, outcome);
    assert.deepEqual(older.featureNames, FEATURE_NAMES);
    outcome.model.dispose();
    const [row] = await until(
      async () => {
        const rows = await ownerQuery<{
          probability: number | null;
          refused_reason: string | null;
        }>(
          fx.db.ownerUrl,
          `select p.probability, m.refused_reason from predictions p join models m on m.id = p.model_id
            where p.model_id = $1 and p.probability is not null`,
          [older.id],
        );
        return rows.length > 0 ? rows : null;
      },
      'a prediction from the model trained with the calendar features',
      60_000,
    );
    assert.ok(row!.probability! >= 0 && row!.probability! <= 1);
    assert.equal(row!.refused_reason, null);
  });
});
