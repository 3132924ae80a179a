import assert from 'node:assert/strict';
import type Bull from 'bull';
import { Redis } from 'ioredis';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config';
import { logger } from '../src/config/logger';
import type { Endpoint } from '../src/entities/endpoint.entity';
import { openApiQueues } from '../src/jobs/api-queues';
import { createScoringProcessor } from '../src/jobs/scoring-jobs';
import { Channels } from '../src/realtime/channels';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { endpointWithHistory } from './helpers/history';

const ANCHOR = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
const minute = (offset: number) => new Date(ANCHOR.getTime() + offset * 60_000);

/**
 * A fresh installation has no model at all until the global one is trained: its tenants must
 * still hear of their breaches (BREACH_STARTED) and be paged by the burn-rate alert, from the
 * scoring round, without any prediction being stored.
 */
describe('alerts for a tenant that no model serves', () => {
  const fx = useApiFixture();
  let breaching: Endpoint;
  let burning: Endpoint;
  let redis: Redis;
  let channels: Channels;
  let queues: ReturnType<typeof openApiQueues>;

  before(async () => {
    redis = new Redis(fx.db.redisUrl);
    channels = new Channels(fx.db.redisUrl, redis, logger);
    queues = openApiQueues(fx.db.redisUrl);
    // Slow from minute -3 on: a 5-minute SLA window breaches at -3 (one onset).
    breaching = await endpointWithHistory(fx, {
      sla: {
        latencyThresholdMs: 200,
        latencyPercentile: 95,
        errorRateThreshold: 0.05,
        windowMinutes: 5,
        availabilityTarget: 0.99,
      },
      anchor: ANCHOR,
      firstMinute: -90,
      sample: (m) => ({ latencyMs: m >= -3 ? 500 : 100 }),
    });
    // Failing for the last 10 minutes: the error budget burns at 14.4x over 1 h and 5 min, while
    // the 30-minute SLA window (errors over 50%) is not breached yet: a page before the breach.
    burning = await endpointWithHistory(fx, {
      sla: {
        latencyThresholdMs: 200,
        latencyPercentile: 95,
        errorRateThreshold: 0.5,
        windowMinutes: 30,
        availabilityTarget: 0.99,
      },
      anchor: ANCHOR,
      firstMinute: -90,
      sample: (m) =>
        m > -10
          ? { latencyMs: 100, statusCode: 503, errorKind: 'unexpected_status' }
          : { latencyMs: 100 },
    });
  });
  after(async () => {
    await queues?.close();
    await channels?.close();
    redis?.disconnect();
  });

  it('announces onsets and pages with the burn-rate alert, once, and stores no prediction', async () => {
    const [models] = await ownerQuery<{ n: number }>(
      fx.db.ownerUrl,
      `select count(*)::int as n from models where status = 'ACTIVE'`,
    );
    assert.equal(models?.n, 0, 'no model anywhere');
    const processor = createScoringProcessor();
    const round = () =>
      processor.process({ timestamp: Date.now(), opts: {} } as Bull.Job, {
        config: loadConfig(),
        dataSource: fx.db.dataSource,
        queues,
        logger,
        channels,
        redis,
        appDatabaseUrl: fx.db.appUrl,
      });
    try {
      await round();
      await round(); // the same minutes again: nothing new to say
    } finally {
      await processor.close?.();
    }
    const alerts = await ownerQuery<{
      endpoint_id: string;
      minute: Date;
      kind: string;
      source: string;
    }>(
      fx.db.ownerUrl,
      'select endpoint_id, minute, kind, source from alert_log where tenant_id = $1 order by minute',
      [fx.tenant.id],
    );
    // By minute: the onset at -3, then the burn-rate page at the newest minute.
    assert.deepEqual(
      alerts.map((a) => [a.endpoint_id, a.kind, a.source]),
      [
        [breaching.id, 'ONSET', 'SLA'],
        [burning.id, 'PREDICTED', 'BURN_RATE'],
      ],
    );
    assert.equal(alerts.find((a) => a.kind === 'ONSET')!.minute.getTime(), minute(-3).getTime());
    const [predictions] = await ownerQuery<{ n: number }>(
      fx.db.ownerUrl,
      'select count(*)::int as n from predictions where tenant_id = $1',
      [fx.tenant.id],
    );
    assert.equal(predictions?.n, 0);
  });
});
