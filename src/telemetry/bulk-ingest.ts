import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../errors/app-errors';
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
import { rowParser, type BodyFormat, type UnreadableRow } from './parse-body';
import type { RawSample } from './sample';

export class BodyTooLargeError extends AppError {
  constructor(limit: number) {
    super(
      ErrorCode.BAD_USER_INPUT,
      `The body is larger than ${limit} bytes; split it into several batches.`,
      { reason: 'BODY_TOO_LARGE' },
    );
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

/** Validates rows (through the tally) and turns the good ones into COPY text lines. */
class CopyEncoder extends Transform {
  private index = 0;
  // Rows are passed on in ~64 KiB chunks: one CopyData message per row would cost a syscall each.
  private pending = '';

  constructor(
    readonly tally: BatchTally,
    /** For imports of one endpoint's file: rows without an endpointId belong to it. */
    private readonly defaultEndpointId?: string,
  ) {
    super({ writableObjectMode: true });
  }

  override _transform(
    row: RawSample | UnreadableRow,
    _encoding: BufferEncoding,
    done: (err?: Error | null, data?: string) => void,
  ): void {
    const withEndpoint =
      this.defaultEndpointId && !('unreadable' in row) && !row.endpointId
        ? { ...row, endpointId: this.defaultEndpointId }
        : row;
    const good = this.tally.check(withEndpoint, this.index++);
    if (!good) return done();
    // COPY text format; every value is validated, so none holds a tab, newline or backslash.
    this.pending += `${good.endpointId}\t${good.observedAt.toISOString()}\t${good.latencyMs}\t${good.statusCode ?? '\\N'}\t${good.errorKind ?? '\\N'}\n`;
    if (this.pending.length < 65_536) return done();
    const chunk = this.pending;
    this.pending = '';
    done(null, chunk);
  }

  override _flush(done: (err?: Error | null, data?: string) => void): void {
    done(null, this.pending || undefined);
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

    const tally = new BatchTally({
      endpointIds: await tenantEndpointIds(manager),
      now: new Date(),
      retentionDays: options.retentionDays,
      futureSkewSeconds: options.futureSkewSeconds,
    });
    const encoder = new CopyEncoder(tally, options.defaultEndpointId);
    const copy = client.query(copyFrom('copy ingest_rows from stdin'));
    await pipeline(
      options.body,
      byteLimit(options.maxBytes),
      rowParser(options.format, { endpointIdOptional: Boolean(options.defaultEndpointId) }),
      encoder,
      copy as Writable,
    );

    if (tally.accepted > 0) {
      await ensurePartitions(manager, tally.touched.earliest!, tally.touched.latest!);
      await manager.query(
        `insert into samples (tenant_id, endpoint_id, observed_at, latency_ms, status_code, error_kind)
         select $1, endpoint_id, observed_at, latency_ms, status_code, error_kind from ingest_rows`,
        [tenantId],
      );
    }
    const outcome = tally.outcome(batchId);
    await finishBatch(manager, outcome);
    await runner.commitTransaction();
    return { outcome, touched: tally.touched.toArray() };
  } catch (err) {
    // After a failed COPY the transaction is aborted and ROLLBACK works; a connection that died
    // instead is dropped from the pool by TypeORM's own error listener.
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    await runner.release();
  }
}
