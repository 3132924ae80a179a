import assert from 'node:assert/strict';
import type Bull from 'bull';
import { describe, it } from 'node:test';
import { openApiQueues } from '../src/jobs/api-queues';
import { maintenanceProcessor } from '../src/jobs/maintenance-jobs';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { CREATE_ENDPOINT, endpointInput } from './helpers/factories';
import { processorDeps } from './helpers/processor-deps';

const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const partition = (offset: number) => `samples_${day(offset).replace(/-/g, '')}`;

describe('retention and partitions', () => {
  const fx = useApiFixture();

  it('drops whole partitions older than the retention and creates the coming days', async () => {
    const id = (
      await fx.api.gql<{ createEndpoint: { id: string } }>(
        CREATE_ENDPOINT,
        { input: endpointInput() },
        fx.tenant.adminKey,
      )
    ).data!.createEndpoint.id;
    // Old data arrives through the owner here: ingestion itself refuses samples beyond the retention.
    await ownerQuery(fx.db.ownerUrl, `select ensure_sample_partitions($1::date, $2::date)`, [
      day(-12),
      day(0),
    ]);
    await ownerQuery(
      fx.db.ownerUrl,
      `insert into samples (tenant_id, endpoint_id, observed_at, latency_ms)
       select $1, $2, d + interval '12 hours', 10 from generate_series($3::date, $4::date, interval '1 day') d`,
      [fx.tenant.id, id, day(-12), day(0)],
    );

    // The database only drops what the operator's retention allows (`sentinel migrate` stores it).
    await ownerQuery(fx.db.ownerUrl, 'update platform_settings set sample_retention_days = 5');
    const queues = openApiQueues(fx.db.redisUrl);
    try {
      const config = {
        ...fx.api.config,
        telemetry: { ...fx.api.config.telemetry, retentionDays: 5 },
      };
      const result = (await maintenanceProcessor.process(
        { data: {} } as Bull.Job,
        processorDeps(fx, queues, config),
      )) as { dropped: string[] };
      assert.deepEqual(result.dropped.sort(), [-12, -11, -10, -9, -8, -7, -6].map(partition));
    } finally {
      await queues.close();
    }
    const parts = (
      await ownerQuery<{ name: string }>(
        fx.db.ownerUrl,
        `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'samples'::regclass order by 1`,
      )
    ).map((r) => r.name);
    assert.equal(parts[0], partition(-5));
    assert.ok(parts.includes(partition(7)), 'a week ahead exists');
    const [row] = await ownerQuery<{ oldest: Date }>(
      fx.db.ownerUrl,
      'select min(observed_at) as oldest from samples',
    );
    assert.equal(row!.oldest.toISOString().slice(0, 10), day(-5));
  });
});
