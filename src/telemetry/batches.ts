import type { EntityManager } from 'typeorm';
import type { UnreadableRow } from './parse-body';
import {
  isRejection,
  validateSample,
  type RawSample,
  type Rejection,
  type SampleRow,
  type ValidationRules,
} from './sample';

/** What an ingestion answers; a replayed batch answers what its first delivery stored. */
export interface IngestOutcome {
  batchId: string;
  accepted: number;
  rejected: number;
  replayed: boolean;
  /** The first rejected rows (at most MAX_REPORTED_REJECTIONS), each with index and reason. */
  rejections: Rejection[];
}

/** Minutes of one endpoint that received samples and whose rollups must be recomputed. */
export interface TouchedRange {
  endpointId: string;
  from: Date;
  to: Date;
}

export const MAX_REPORTED_REJECTIONS = 100;

/**
 * Claims `batchId` for this transaction. False means it was stored before (or is being stored by a
 * concurrent request, which this one waited for): the caller must answer with replayOf().
 */
export async function claimBatch(
  manager: EntityManager,
  tenantId: string,
  batchId: string,
): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `insert into ingest_batches (tenant_id, batch_id, accepted, rejected) values ($1, $2, 0, 0)
     on conflict do nothing returning batch_id`,
    [tenantId, batchId],
  );
  return rows.length === 1;
}

export async function replayOf(manager: EntityManager, batchId: string): Promise<IngestOutcome> {
  const [row] = await manager.query(
    'select accepted, rejected, rejections from ingest_batches where batch_id = $1',
    [batchId],
  );
  return {
    batchId,
    accepted: row.accepted,
    rejected: row.rejected,
    // Batches stored before rejections listed every problem carry only the first.
    rejections: (row.rejections as Array<Omit<Rejection, 'problems'> & Partial<Rejection>>).map(
      (r) => ({ ...r, problems: r.problems ?? [{ field: r.field, reason: r.reason }] }),
    ),
    replayed: true,
  };
}

export async function finishBatch(manager: EntityManager, outcome: IngestOutcome): Promise<void> {
  await manager.query(
    'update ingest_batches set accepted = $2, rejected = $3, rejections = $4 where batch_id = $1',
    [outcome.batchId, outcome.accepted, outcome.rejected, JSON.stringify(outcome.rejections)],
  );
}

/** The ids among `candidates` that name this tenant's endpoints (RLS hides the rest). */
export async function tenantEndpointIds(
  manager: EntityManager,
  candidates?: string[],
): Promise<Set<string>> {
  const rows: Array<{ id: string }> = candidates
    ? await manager.query('select id from endpoints where id = any($1::uuid[])', [candidates])
    : await manager.query('select id from endpoints');
  return new Set(rows.map((row) => row.id));
}

/** Makes sure a daily partition exists for every day from `from` to `to` (UTC). */
export async function ensurePartitions(
  manager: EntityManager,
  from: Date,
  to: Date,
): Promise<void> {
  await manager.query('select ensure_sample_partitions($1::date, $2::date)', [
    isoDay(from),
    isoDay(to),
  ]);
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Tracks per endpoint the earliest and latest minute seen, for the rollup job. */
export class TouchedMinutes {
  private readonly ranges = new Map<string, TouchedRange>();
  earliest: Date | undefined;
  latest: Date | undefined;

  add(row: SampleRow): void {
    const range = this.ranges.get(row.endpointId);
    if (!range)
      this.ranges.set(row.endpointId, {
        endpointId: row.endpointId,
        from: row.observedAt,
        to: row.observedAt,
      });
    else if (row.observedAt < range.from) range.from = row.observedAt;
    else if (row.observedAt > range.to) range.to = row.observedAt;
    if (!this.earliest || row.observedAt < this.earliest) this.earliest = row.observedAt;
    if (!this.latest || row.observedAt > this.latest) this.latest = row.observedAt;
  }

  toArray(): TouchedRange[] {
    return [...this.ranges.values()];
  }
}

/** Validates a batch's rows one at a time: counts them, keeps the first rejections and the touched minutes. */
export class BatchTally {
  accepted = 0;
  rejected = 0;
  readonly rejections: Rejection[] = [];
  readonly touched = new TouchedMinutes();

  constructor(private readonly rules: ValidationRules) {}

  /** The row ready to store, or undefined when it was rejected (and recorded as such). */
  check(row: RawSample | UnreadableRow, index: number): SampleRow | undefined {
    const unreadable =
      'unreadable' in row ? { field: 'row', reason: String(row.unreadable) } : null;
    const result = unreadable
      ? { index, ...unreadable, problems: [unreadable] }
      : validateSample(row as RawSample, index, this.rules);
    if (isRejection(result)) {
      this.rejected++;
      if (this.rejections.length < MAX_REPORTED_REJECTIONS) this.rejections.push(result);
      return undefined;
    }
    this.accepted++;
    this.touched.add(result);
    return result;
  }

  outcome(batchId: string): IngestOutcome {
    return {
      batchId,
      accepted: this.accepted,
      rejected: this.rejected,
      replayed: false,
      rejections: this.rejections,
    };
  }
}
