import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { logger } from '../src/config/logger';
import { seedDemoTenant, type DemoTenant } from '../src/demo/seed-demo-tenant';
import { startWorker } from '../src/processes/worker';
import { createApiKey } from '../src/services/api-keys';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { until } from './helpers/poll';
import { streamSubscription } from './helpers/ws-stream';

const TRAIN = /* GraphQL */ `
  mutation Train($input: TrainModelInput!) {
    trainModel(input: $input) {
      id
      state
      progress {
        seq
        state
      }
    }
  }
`;
const PROGRESS = /* GraphQL */ `
  subscription Progress($jobId: ID!) {
    trainingProgress(jobId: $jobId) {
      jobId
      seq
      state
      attempt
      epoch
      maxEpochs
      loss
      validationLoss
      validationPrAuc
      modelId
      promoted
      reason
      evaluation {
        model {
          eventRecall
          precision
          medianLeadMinutes
          falseAlertsPerEndpointDay
          prAuc
          threshold
          onsets
        }
        burnRate {
          eventRecall
          precision
          onsets
          alerts
        }
        testFrom
        testTo
        incumbent {
          modelId
        }
      }
    }
  }
`;
const MODELS = /* GraphQL */ `
  {
    models {
      edges {
        node {
          id
          version
          status
          parentId
          trainingJobId
          artifactSha256
          featureNames
          evaluation {
            model {
              onsets
              prAuc
            }
            burnRate {
              onsets
            }
          }
        }
      }
    }
  }
`;

interface Progress {
  jobId: string;
  seq: number;
  state: string;
  attempt: number;
  epoch: number | null;
  loss: number | null;
  validationLoss: number | null;
  validationPrAuc: number | null;
  modelId: string | null;
  promoted: boolean | null;
  reason: string | null;
  evaluation: {
    model: { onsets: number; prAuc: number | null; threshold: number };
    burnRate: { onsets: number };
    incumbent: { modelId: string } | null;
  } | null;
}

describe('training jobs over graphql-ws, and the model registry', () => {
  const fx = useApiFixture();
  let demo: DemoTenant;
  let worker: { stop: () => Promise<void> };

  before(async () => {
    // Ten days, not seven: the demo's breaches follow the daily cycle of the wall clock, and with
    // seven days the validation part (the day before the held-out one) held no breach when the
    // test ran around 01:30 UTC, so nothing could be calibrated on it.
    demo = await seedDemoTenant(fx.db.dataSource, fx.api.config, `train-${Date.now()}`, 6, 10);
    worker = await startWorker(
      fx.api.config,
      { appDatabaseUrl: fx.db.appUrl, redisUrl: fx.db.redisUrl },
      logger,
    );
  });
  after(async () => {
    await worker?.stop();
  });

  async function train(input: Record<string, unknown>): Promise<string> {
    const response = await fx.api.gql<{
      trainModel: { id: string; state: string; progress: { seq: number } };
    }>(TRAIN, { input }, demo.adminKey);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.equal(response.data!.trainModel.state, 'QUEUED', 'trainModel returns at once');
    assert.equal(response.data!.trainModel.progress.seq, 1);
    return response.data!.trainModel.id;
  }

  it('streams QUEUED/RUNNING, one event per epoch, then COMPLETED with the evaluation, in order; other tenants get nothing', async () => {
    const client = fx.api.wsClient(demo.adminKey);
    const intruder = fx.api.wsClient(fx.tenant.adminKey);
    try {
      const jobId = await train({ epochs: 4, seed: 1 });
      const stream = streamSubscription<Progress>(client, PROGRESS, { jobId }, 'trainingProgress');
      const spying = streamSubscription<Progress>(
        intruder,
        PROGRESS,
        { jobId },
        'trainingProgress',
      );
      await assert.rejects(
        spying.done,
        (errors: Array<{ extensions: { code: string } }>) =>
          errors[0]!.extensions.code === 'NOT_FOUND',
      );
      assert.equal(spying.events.length, 0, 'another tenant never sees an event');

      const events = await stream.done;
      const seqs = events.map((e) => e.seq);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
        'consecutive, in order, no duplicates',
      );
      const last = events.at(-1)!;
      assert.equal(last.state, 'COMPLETED', JSON.stringify(last));
      const epochs = events.filter((e) => e.state === 'RUNNING' && e.epoch !== null);
      assert.ok(epochs.length >= 1 && epochs.length <= 4);
      assert.deepEqual(
        epochs.map((e) => e.epoch),
        epochs.map((_, i) => epochs[0]!.epoch! + i),
      );
      assert.ok(epochs.every((e) => Number.isFinite(e.loss) && Number.isFinite(e.validationLoss)));
      assert.ok(last.modelId);
      assert.equal(
        last.evaluation!.model.onsets,
        last.evaluation!.burnRate.onsets,
        'model and burn-rate alert judged on the same minutes',
      );

      // A late subscriber gets the current (final) state, and the stream ends.
      const late = await streamSubscription<Progress>(
        client,
        PROGRESS,
        { jobId },
        'trainingProgress',
      ).done;
      assert.deepEqual(
        late.map((e) => [e.seq, e.state]),
        [[last.seq, 'COMPLETED']],
      );

      const job = await fx.api.gql<{
        trainingJob: { state: string; modelId: string; attempt: number };
      }>(
        `query($id: ID!) { trainingJob(id: $id) { state modelId attempt } }`,
        { id: jobId },
        demo.adminKey,
      );
      assert.deepEqual(job.data!.trainingJob, {
        state: 'COMPLETED',
        modelId: last.modelId,
        attempt: 1,
      });

      const models = await fx.api.gql<{
        models: {
          edges: Array<{
            node: {
              id: string;
              status: string;
              trainingJobId: string;
              featureNames: string[];
              promotionDecision: string;
              calibrated: boolean;
            };
          }>;
        };
      }>(MODELS.replace('status', 'status promotionDecision calibrated'), {}, demo.adminKey);
      const [model] = models.data!.models.edges.map((e) => e.node);
      assert.equal(model!.id, last.modelId);
      assert.equal(model!.calibrated, true);
      // The first model has no incumbent to beat, but it still goes through the gate: the
      // burn-rate alert and the false-alert budget. Its decision is stored either way.
      assert.equal(last.promoted, model!.promotionDecision.startsWith('promoted:'));
      assert.match(model!.promotionDecision, /burn-rate alert|false alerts per endpoint-day/);
      if (!last.promoted) {
        assert.equal(model!.status, 'CANDIDATE');
        await fx.api.gql(
          `mutation($id: ID!) { promoteModel(id: $id) { status } }`,
          { id: model!.id },
          demo.adminKey,
        );
      }
      assert.equal(model!.trainingJobId, jobId);
      assert.ok(model!.featureNames.includes('since_breach'));
      const foreign = await fx.api.gql(
        `query($id: ID!) { model(id: $id) { id } }`,
        { id: model!.id },
        fx.tenant.adminKey,
      );
      assert.equal(foreign.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    } finally {
      await client.dispose();
      await intruder.dispose();
    }
  });

  it('compares a new model with the active one on the same held-out minutes; promote and rollback move ACTIVE, never doubling it', async () => {
    const client = fx.api.wsClient(demo.adminKey);
    try {
      const jobId = await train({ epochs: 3, seed: 2, autoPromote: false });
      const events = await streamSubscription<Progress>(
        client,
        PROGRESS,
        { jobId },
        'trainingProgress',
      ).done;
      const last = events.at(-1)!;
      assert.equal(last.state, 'COMPLETED', JSON.stringify(last));
      assert.equal(last.promoted, false, 'autoPromote: false never promotes');
      assert.ok(
        last.evaluation!.incumbent,
        'the active model was judged on the same held-out minutes',
      );

      const list = async () =>
        (
          await fx.api.gql<{
            models: {
              edges: Array<{
                node: { id: string; version: number; status: string; parentId: string | null };
              }>;
            };
          }>(MODELS, {}, demo.adminKey)
        ).data!.models.edges.map((e) => e.node);
      const [second, first] = await list();
      assert.deepEqual(
        [second!.version, second!.status, first!.status],
        [2, 'CANDIDATE', 'ACTIVE'],
      );
      assert.equal(second!.parentId, first!.id);

      const promoted = await fx.api.gql<{ promoteModel: { status: string } }>(
        `mutation($id: ID!) { promoteModel(id: $id) { status } }`,
        { id: second!.id },
        demo.adminKey,
      );
      assert.equal(promoted.data!.promoteModel.status, 'ACTIVE');
      assert.deepEqual(
        (await list()).map((m) => m.status),
        ['ACTIVE', 'RETIRED'],
      );

      const rolledBack = await fx.api.gql<{ rollbackModel: { id: string } }>(
        `mutation { rollbackModel { id } }`,
        {},
        demo.adminKey,
      );
      assert.equal(rolledBack.data!.rollbackModel.id, first!.id);
      assert.deepEqual(
        (await list()).map((m) => m.status),
        ['RETIRED', 'ACTIVE'],
      );

      // The database itself refuses a second ACTIVE model, whatever the application does.
      await assert.rejects(
        ownerQuery(fx.db.ownerUrl, `update models set status = 'ACTIVE' where id = $1`, [
          second!.id,
        ]),
        /models_one_active/,
      );
      const readOnly = await fx.api.gql(
        `mutation($id: ID!) { promoteModel(id: $id) { id } }`,
        { id: second!.id },
        await demoKey('read'),
      );
      assert.equal(readOnly.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    } finally {
      await client.dispose();
    }
  });

  it('cancels a running job: the stream ends CANCELLED and no model is registered for it', async () => {
    const client = fx.api.wsClient(demo.adminKey);
    try {
      const jobId = await train({ epochs: 200, seed: 3 });
      const stream = streamSubscription<Progress>(client, PROGRESS, { jobId }, 'trainingProgress');
      await stream.until((e) => e.state === 'RUNNING' && e.epoch !== null);
      const cancel = await fx.api.gql<{ cancelTrainingJob: { id: string } }>(
        `mutation($id: ID!) { cancelTrainingJob(id: $id) { id } }`,
        { id: jobId },
        demo.adminKey,
      );
      assert.equal(cancel.errors, undefined);
      const events = await stream.done;
      assert.equal(events.at(-1)!.state, 'CANCELLED');
      const rows = await ownerQuery(
        fx.db.ownerUrl,
        'select 1 from models where training_job_id = $1',
        [jobId],
      );
      assert.equal(rows.length, 0);
      const again = await fx.api.gql(
        `mutation($id: ID!) { cancelTrainingJob(id: $id) { id } }`,
        { id: jobId },
        demo.adminKey,
      );
      assert.equal(again.errors?.[0]?.extensions?.code, 'CONFLICT');
    } finally {
      await client.dispose();
    }
  });

  async function demoKey(scope: 'read'): Promise<string> {
    return (
      await withTenant(fx.db.dataSource, demo.tenant.id, (m) =>
        createApiKey(m, demo.tenant.id, { name: scope, scope }),
      )
    ).secret;
  }

  it('answers trainModel with every TrainingJob field selected (attempt and cancelRequested too)', async () => {
    const response = await fx.api.gql<{ trainModel: Record<string, unknown> }>(
      `mutation($input: TrainModelInput!) { trainModel(input: $input) {
         id state horizonMinutes maxEpochs windowDays attempt cancelRequested modelId reason createdAt startedAt finishedAt
         progress { jobId seq state at attempt maxEpochs epoch loss validationLoss validationPrAuc modelId promoted reason }
       } }`,
      { input: { epochs: 1, seed: 9, autoPromote: false } },
      demo.adminKey,
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.equal(response.data!.trainModel.attempt, 0);
    assert.equal(response.data!.trainModel.cancelRequested, false);
    type Event = { seq: number; state: string; epoch: number | null; phase: string | null };
    const job = await until(
      async () => {
        const polled = (
          await fx.api.gql<{ trainingJob: { state: string; events: Event[] } }>(
            `query($id: ID!) { trainingJob(id: $id) { state events { seq state epoch phase } } }`,
            { id: response.data!.trainModel.id },
            demo.adminKey,
          )
        ).data!.trainingJob;
        return polled.state === 'COMPLETED' && polled;
      },
      'the one-epoch job',
      120_000,
    );
    // Polling sees the whole history: QUEUED, computing features, each epoch, COMPLETED.
    assert.deepEqual(
      job.events.map((e) => e.seq),
      job.events.map((_, i) => i + 1),
    );
    assert.deepEqual(
      job.events.map((e) => [e.state, e.phase, e.epoch]),
      [
        ['QUEUED', null, null],
        ['RUNNING', 'COMPUTING_FEATURES', null],
        ['RUNNING', 'TRAINING', 1],
        ['COMPLETED', 'TRAINING', 1],
      ],
    );
  });
});
