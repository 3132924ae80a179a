import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../errors/app-errors';
import {
  claimBatch, ensurePartitions, finishBatch, MAX_REPORTED_REJECTIONS, replayOf, tenantEndpointIds, TouchedMinutes,
  type IngestOutcome, type TouchedRange,
} from './batches';
import { rowParser, type BodyFormat, type UnreadableRow } from './parse-body';
import { isRejection, validateSample, type RawSample, type Rejection, type ValidationRules } from './sample';

export class BodyTooLargeError extends AppError {
  constructor(limit: number) {
    super(ErrorCode.BAD_USER_INPUT, `The body is larger than ${limit} bytes; split it into several batches.`, { reason: 'BODY_TOO_LARGE' });
  }
}

/** Counts bytes on their way through and fails the stream past `limit`. */
function byteLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > limit ? new BodyTooLargeError(limit) : null, chunk);
    },
  });
}

/** Validates rows and turns the good ones into COPY text lines; collects the rejections. */
class RowValidator extends Transform {
  index = 0;
  accepted = 0;
  rejected = 0;
  readonly rejections: Rejection[] = [];
  readonly touched = new TouchedMinutes();
  // Rows are passed on in ~64 KiB chunks: one CopyData message per row would cost a syscall each.
  private pending = '';

  constructor(
    private readonly rules: ValidationRules,
    /** For imports of one endpoint's file: rows without an endpointId belong to it. */
    private readonly defaultEndpointId?: string,
  ) {
    super({ writableObjectMode: true });
  }

  override _flush(done: (err?: Error | null, data?: string) => void): void {
    done(null, this.pending || undefined);
  }

  override _transform(row: RawSample | UnreadableRow, _encoding: BufferEncoding, done: (err?: Error | null, data?: string) => void): void {
    const index = this.index++;
    const sample = this.defaultEndpointId && !('unreadable' in row) && !row.endpointId ? { ...row, endpointId: this.defaultEndpointId } : row;
    const result = 'unreadable' in sample ? { index, field: 'row', reason: String(sample.unreadable) } : validateSample(sample, index, this.rules);
    if (isRejection(result)) {
      this.rejected++;
      if (this.rejections.length < MAX_REPORTED_REJECTIONS) this.rejections.push(result);
      return done();
    }
    this.accepted++;
    this.touched.add(result);
    // COPY text format; every value is validated, so none holds a tab, newline or backslash.
    this.pending += `${result.endpointId}\t${result.observedAt.toISOString()}\t${result.latencyMs}\t${result.statusCode ?? '\\N'}\t${result.errorKind ?? '\\N'}\n`;
    if (this.pending.length < 65_536) return done();
    const chunk = this.pending;
    this.pending = '';
    done(null, chunk);
  }
}

/**
 * The POST /ingest path: streams the body through the parser and the validator into COPY, in one
 * transaction as the tenant. COPY cannot write through RLS, so rows land in a temporary table
 * first and move into `samples` with one INSERT, which RLS checks. A failure anywhere (bad
 * header, body too large, client gone) rolls everything back: a batch is stored whole or not at all.
 */
export async function bulkIngest(options: {
  dataSource: DataSource;
  tenantId: string;
  batchId: string;
  body: Readable;
  format: BodyFormat;
  maxBytes: number;
  retentionDays: number;
  futureSkewSeconds: number;
  defaultEndpointId?: string;
}): Promise<{ outcome: IngestOutcome; touched: TouchedRange[] }> {
  const { dataSource, tenantId, batchId } = options;
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  const manager = runner.manager;
  try {
    await runner.startTransaction();
    await manager.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    if (!(await claimBatch(manager, tenantId, batchId))) {
      const outcome = await replayOf(manager, batchId);
      await runner.commitTransaction();
      return { outcome, touched: [] };
    }
    await manager.query(`create temp table ingest_rows (endpoint_id uuid, observed_at timestamptz, latency_ms float8,
      status_code smallint, error_kind text) on commit drop`);

    const validator = new RowValidator({
      endpointIds: await tenantEndpointIds(manager),
      now: new Date(),
      retentionDays: options.retentionDays,
      futureSkewSeconds: options.futureSkewSeconds,
    }, options.defaultEndpointId);
    const copy = client.query(copyFrom('copy ingest_rows from stdin'));
    await pipeline(options.body, byteLimit(options.maxBytes), rowParser(options.format, { endpointIdOptional: Boolean(options.defaultEndpointId) }), validator, copy as Writable);

    if (validator.accepted > 0) {
      await ensurePartitions(manager, validator.touched.earliest!, validator.touched.latest!);
      await manager.query(
        `insert into samples (tenant_id, endpoint_id, observed_at, latency_ms, status_code, error_kind)
         select $1, endpoint_id, observed_at, latency_ms, status_code, error_kind from ingest_rows`,
        [tenantId],
      );
    }
    const outcome: IngestOutcome = {
      batchId,
      accepted: validator.accepted,
      rejected: validator.rejected,
      replayed: false,
      rejections: validator.rejections,
    };
    await finishBatch(manager, outcome);
    await runner.commitTransaction();
    return { outcome, touched: validator.touched.toArray() };
  } catch (err) {
    // After a failed COPY the transaction is aborted and ROLLBACK works; a connection that died
    // instead is dropped from the pool by TypeORM's own error listener.
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    await runner.release();
  }
}
