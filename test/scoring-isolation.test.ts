import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { after, before, describe, it } from 'node:test';
import type Bull from 'bull';
import { loadConfig } from '../src/config/config';
import { logger } from '../src/config/logger';
import { seedDemoTenant } from '../src/demo/seed-demo-tenant';
import { GLOBAL_SCOPE_ID } from '../src/entities/tenant.entity';
import { openApiQueues } from '../src/jobs/api-queues';
import { createScoringProcessor } from '../src/jobs/scoring-jobs';
import { scoringReport } from '../src/jobs/scoring-report';
import { loadTf } from '../src/ml/backend';
import { DEFAULT_MLP } from '../src/ml/mlp';
import { trainAndEvaluate } from '../src/ml/pipeline';
import { tenantFeatureRows } from '../src/training/feature-data';
import { Channels } from '../src/realtime/channels';
import { createTenant } from '../src/services/tenants';
import { createTestDatabase, ownerQuery, type TestDatabase } from './helpers/database';
import { promoteTrained } from './helpers/promote-trained';

/** N passive endpoints with an hour of healthy rollups each, made in SQL. */
async function tenantWithRollups(db: TestDatabase, slug: string): Promise<string> {
  const { tenant } = await createTenant(db.dataSource, { slug, name: slug });
  await ownerQuery(
    db.ownerUrl,
    `insert into endpoints (tenant_id, name, url, method, expected_status_codes, probe_interval_seconds, timeout_ms,
                            latency_threshold_ms, latency_percentile, error_rate_threshold, window_minutes, availability_target, probe_enabled)
     select $1, 'endpoint ' || i, 'https://e' || i || '.example.com/health', 'GET', '{200}', 60, 5000, 300, 95, 0.05, 5, 0.999, false
       from generate_series(1, 3) i`,
    [tenant.id],
  );
  await ownerQuery(
    db.ownerUrl,
    `insert into rollups_minute (tenant_id, endpoint_id, minute, sample_count, error_count, errors_timeout, errors_connection, errors_tls,
                                 errors_dns, errors_unexpected_status, slow_count, bad_count, latency_p50, latency_p95, latency_p99, latency_max)
     select e.tenant_id, e.id, m, 2, 0, 0, 0, 0, 0, 0, 0, 0, 90, 180, 250, 400
       from endpoints e, generate_series(date_trunc('minute', now()) - interval '60 minutes',
                                         date_trunc('minute', now()) - interval '1 minute', interval '1 minute') m
      where e.tenant_id = $1`,
    [tenant.id],
  );
  return tenant.id;
}

// Issue 10 High 2: one tenant's failing scoring stopped the round for every tenant after it.
describe('a scoring round with a tenant whose scoring fails', () => {
  let db: TestDatabase;
  let redis: Redis;
  let channels: Channels;
  let queues: ReturnType<typeof openApiQueues>;

  before(async () => {
    db = await createTestDatabase();
    redis = new Redis(db.redisUrl);
    channels = new Channels(db.redisUrl, redis, logger);
    queues = openApiQueues(db.redisUrl);
    // A global model (every tenant with endpoints is scored with it), trained briefly.
    const { tf } = await loadTf(logger);
    const demo = await seedDemoTenant(db.dataSource, loadConfig(), `iso-${Date.now()}`, 2, 3);
    const now = new Date();
    const data = await tenantFeatureRows(
      db.dataSource,
      demo.tenant.id,
      new Date(now.getTime() - 2 * 86_400_000),
      now,
      15,
    );
    const outcome = await trainAndEvaluate(tf, data, 15, { ...DEFAULT_MLP, epochs: 1 });
    await promoteTrained(tf, db.dataSource, GLOBAL_SCOPE_ID, outcome);
  });
  after(async () => {
    await queues?.close();
    await channels?.close();
    redis?.disconnect();
    await db?.drop();
  });

  it('logs and counts the failure, skips that tenant, and scores every other tenant', async () => {
    // Tenants are scored in id order; the poisoned one is scored wherever it falls.
    const tenants = [
      await tenantWithRollups(db, `iso-a-${Date.now()}`),
      await tenantWithRollups(db, `iso-b-${Date.now()}`),
      await tenantWithRollups(db, `iso-c-${Date.now()}`),
    ];
    const poisoned = tenants[1]!;
    // Reading the poisoned tenant's rollups fails inside PostgreSQL, as an overflowing feature
    // query did: a restrictive policy calls a function that raises, for that tenant's rows only.
    await ownerQuery(
      db.ownerUrl,
      `create function test_poison() returns boolean language plpgsql volatile as
         $$ begin raise exception 'poisoned tenant'; end $$`,
    );
    await ownerQuery(
      db.ownerUrl,
      `create policy poison on rollups_minute as restrictive for select
         using (tenant_id <> '${poisoned}'::uuid or test_poison())`,
    );

    const before = (await scoringReport(redis)).tenant_failures ?? 0;
    const processor = createScoringProcessor();
    try {
      const result = (await processor.process({ timestamp: Date.now(), opts: {} } as Bull.Job, {
        config: loadConfig(),
        dataSource: db.dataSource,
        queues,
        logger,
        channels,
        redis,
        appDatabaseUrl: db.appUrl,
      })) as { failed: number; endpoints: number };
      assert.equal(result.failed, 1);
    } finally {
      await processor.close?.();
    }

    const scored: Array<{ tenant_id: string; n: number }> = await ownerQuery(
      db.ownerUrl,
      `select tenant_id, count(distinct endpoint_id)::int as n from predictions
        where tenant_id = any($1) group by tenant_id`,
      [tenants],
    );
    const counts = new Map(scored.map((row) => [row.tenant_id, row.n]));
    assert.equal(counts.get(tenants[0]!), 3);
    assert.equal(counts.get(poisoned), undefined);
    assert.equal(counts.get(tenants[2]!), 3);
    assert.equal((await scoringReport(redis)).tenant_failures, before + 1);
  });
});
