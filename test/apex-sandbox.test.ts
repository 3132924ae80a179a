import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Bull from 'bull';
import { openApiQueues } from '../src/jobs/api-queues';
import { retrainingProcessor } from '../src/jobs/retraining-jobs';
import { hiddenUnits } from '../src/training/run-training';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { processorDeps } from './helpers/processor-deps';

const PLATFORM_KEY = 'snl_platform-key-for-the-apex-sandbox-test-0123456789';
const SET_FLAGS = `mutation($slug: String!, $flags: [String!]!) { setFeatureFlags(slug: $slug, flags: $flags) { slug featureFlags } }`;

describe('Tenant0 as the Apex Sandbox: feature flags and scheduled retraining', () => {
  const fx = useApiFixture({ platformKey: PLATFORM_KEY });

  it('switches new model kinds on for Tenant0 first, and for other tenants only by a platform admin', async () => {
    const [tenant0] = await ownerQuery<{ feature_flags: string[] }>(
      fx.db.ownerUrl,
      `select feature_flags from tenants where slug = 'tenant0'`,
    );
    assert.deepEqual(tenant0!.feature_flags, ['wide-mlp']);
    assert.deepEqual(hiddenUnits(tenant0!.feature_flags), [64, 32]);
    assert.deepEqual(hiddenUnits([]), [32, 16]);

    const byTenant = await fx.api.gql(
      SET_FLAGS,
      { slug: fx.tenant.slug, flags: ['wide-mlp'] },
      fx.tenant.adminKey,
    );
    assert.equal(byTenant.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const unknown = await fx.api.gql(
      SET_FLAGS,
      { slug: fx.tenant.slug, flags: ['time-travel'] },
      PLATFORM_KEY,
    );
    assert.equal(unknown.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const set = await fx.api.gql<{ setFeatureFlags: { featureFlags: string[] } }>(
      SET_FLAGS,
      { slug: fx.tenant.slug, flags: ['wide-mlp'] },
      PLATFORM_KEY,
    );
    assert.deepEqual(set.data!.setFeatureFlags.featureFlags, ['wide-mlp']);
    const me = await fx.api.gql<{ me: { featureFlags: string[]; contributesToGlobal: boolean } }>(
      `{ me { featureFlags contributesToGlobal } }`,
      {},
      fx.tenant.adminKey,
    );
    assert.deepEqual(me.data!.me, { featureFlags: ['wide-mlp'], contributesToGlobal: true });
  });

  it('queues the global model and Tenant0 on schedule, skipping a scope that is busy or has too little data', async () => {
    const queues = openApiQueues(fx.db.redisUrl);
    try {
      const deps = processorDeps(fx, queues);
      const first = (await retrainingProcessor.process({} as Bull.Job, deps)) as {
        queued: string[];
      };
      // Tenant0 has no telemetry in this database yet: only the global job is queued.
      assert.equal(first.queued.length, 1);
      const [job] = await ownerQuery<{ tenant_id: string; request: { scope: string } }>(
        fx.db.ownerUrl,
        'select tenant_id, request from training_jobs where id = $1',
        [first.queued[0]],
      );
      assert.equal(job!.request.scope, 'GLOBAL');
      const second = (await retrainingProcessor.process({} as Bull.Job, deps)) as {
        queued: string[];
      };
      assert.deepEqual(second.queued, [], 'the global job is still queued: no second one');
    } finally {
      await queues.close();
    }
  });
});
