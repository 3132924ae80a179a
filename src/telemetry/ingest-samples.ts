import type { DataSource } from 'typeorm';
import { BadInputError } from '../errors/app-errors';
import { isUuid } from '../services/ids';
import { withTenant } from '../tenancy/with-tenant';
import {
  BatchTally,
  claimBatch,
  ensurePartitions,
  finishBatch,
  replayOf,
  tenantEndpointIds,
  type IngestOutcome,
  type TouchedRange,
} from './batches';
import type { RawSample } from './sample';

export interface IngestSettings {
  retentionDays: number;
  futureSkewSeconds: number;
  maxRows: number;
}

/**
 * The `ingestSamples` path: validates each row, stores the good ones with one INSERT, and records
 * the batch so a retry with the same id changes nothing. All in one transaction as the tenant.
 */
export async function ingestSamples(
  dataSource: DataSource,
  tenantId: string,
  batchId: string,
  samples: RawSample[],
  settings: IngestSettings,
): Promise<{ outcome: IngestOutcome; touched: TouchedRange[] }> {
  if (samples.length > settings.maxRows) {
    throw new BadInputError([
      {
        field: 'samples',
        message: `at most ${settings.maxRows} rows per call; use POST /ingest for more`,
      },
    ]);
  }
  return withTenant(dataSource, tenantId, async (manager) => {
    if (!(await claimBatch(manager, tenantId, batchId)))
      return { outcome: await replayOf(manager, batchId), touched: [] };

    const candidates = [
      ...new Set(samples.map((s) => String(s.endpointId ?? '').toLowerCase())),
    ].filter(isUuid);
    const tally = new BatchTally({
      endpointIds: await tenantEndpointIds(manager, candidates),
      now: new Date(),
      ...settings,
    });
    const good = samples.flatMap((raw, index) => tally.check(raw, index) ?? []);

    if (good.length > 0) {
      await ensurePartitions(manager, tally.touched.earliest!, tally.touched.latest!);
      await manager.query(
        `insert into samples (tenant_id, endpoint_id, observed_at, latency_ms, status_code, error_kind)
         select $1, * from unnest($2::uuid[], $3::timestamptz[], $4::float8[], $5::smallint[], $6::text[])`,
        [
          tenantId,
          good.map((r) => r.endpointId),
          good.map((r) => r.observedAt.toISOString()),
          good.map((r) => r.latencyMs),
          good.map((r) => r.statusCode),
          good.map((r) => r.errorKind),
        ],
      );
    }
    const outcome = tally.outcome(batchId);
    await finishBatch(manager, outcome);
    return { outcome, touched: tally.touched.toArray() };
  });
}
