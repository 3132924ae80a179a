import type { DataSource } from 'typeorm';
import { BadInputError } from '../errors/app-errors';
import { withTenant } from '../tenancy/with-tenant';
import {
  claimBatch, ensurePartitions, finishBatch, MAX_REPORTED_REJECTIONS, replayOf, tenantEndpointIds, TouchedMinutes,
  type IngestOutcome, type TouchedRange,
} from './batches';
import { isRejection, validateSample, type RawSample, type Rejection, type SampleRow } from './sample';

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
    throw new BadInputError([{ field: 'samples', message: `at most ${settings.maxRows} rows per call; use POST /ingest for more` }]);
  }
  return withTenant(dataSource, tenantId, async (manager) => {
    if (!(await claimBatch(manager, tenantId, batchId))) return { outcome: await replayOf(manager, batchId), touched: [] };

    const candidates = [...new Set(samples.map((s) => String(s.endpointId ?? '').toLowerCase()))].filter((id) => id.length === 36);
    const rules = { endpointIds: await tenantEndpointIds(manager, candidates), now: new Date(), ...settings };
    const good: SampleRow[] = [];
    const rejections: Rejection[] = [];
    let rejected = 0;
    const touched = new TouchedMinutes();
    samples.forEach((raw, index) => {
      const result = validateSample(raw, index, rules);
      if (isRejection(result)) {
        rejected++;
        if (rejections.length < MAX_REPORTED_REJECTIONS) rejections.push(result);
      } else {
        good.push(result);
        touched.add(result);
      }
    });

    if (good.length > 0) {
      await ensurePartitions(manager, touched.earliest!, touched.latest!);
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
    const outcome: IngestOutcome = { batchId, accepted: good.length, rejected, replayed: false, rejections };
    await finishBatch(manager, outcome);
    return { outcome, touched: touched.toArray() };
  });
}
