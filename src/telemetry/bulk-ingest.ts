import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
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
import { rowParser, unreadableCsv, type BodyFormat, type UnreadableRow } from './parse-body';
import { withTenant } from '../tenancy/with-tenant';
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

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export class LineTooLongError extends AppError {
  constructor(limit: number) {
    super(
      ErrorCode.BAD_USER_INPUT,
      `A line is longer than ${limit} bytes; send one sample per line.`,
      { reason: 'LINE_TOO_LONG' },
    );
  }
}

/**
 * Fails the stream at the first line longer than `limit` bytes, before any parser buffers it: a
 * body without line breaks would otherwise be held whole and re-split on every chunk (quadratic).
 */
function lineLimit(limit: number): Transform {
  let run = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        if (run + (nl - start) > limit) return done(new LineTooLongError(limit));
        run = 0;
        start = nl + 1;
      }
      run += chunk.length - start;
      done(run > limit ? new LineTooLongError(limit) : null, chunk);
    },
  });
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

/** The upload stalled (nothing for the idle timeout) or ran past the request timeout; 408. */
export class UploadTimeoutError extends AppError {
  constructor(what: 'idle' | 'total', ms: number) {
    super(
      ErrorCode.BAD_USER_INPUT,
      what === 'idle'
        ? `The upload sent nothing for ${ms} ms; send the body without pauses.`
        : `The upload took longer than ${ms} ms; split it into several batches.`,
      { reason: 'REQUEST_TIMEOUT' },
    );
  }
}

/**
 * Passes bytes on and fails the stream when nothing arrives for `idleMs`, or when the whole body
 * is not through by `deadline` (epoch ms).
 */
function uploadTimeouts(idleMs: number, deadline: number): Transform {
  let idle: NodeJS.Timeout | undefined;
  const stream: Transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      arm();
      done(null, chunk);
    },
    flush(done) {
      clearTimeout(idle);
      clearTimeout(total);
      done();
    },
    destroy(err, done) {
      clearTimeout(idle);
      clearTimeout(total);
      done(err);
    },
  });
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => stream.destroy(new UploadTimeoutError('idle', idleMs)), idleMs);
  };
  const budget = deadline - Date.now();
  // setTimeout takes at most 2^31-1 ms; a later deadline is no deadline for one upload.
  const total =
    budget < 2 ** 31
      ? setTimeout(
          () => stream.destroy(new UploadTimeoutError('total', budget)),
          Math.max(0, budget),
        )
      : undefined;
  arm();
  return stream;
}

export interface BulkIngestOptions {
  dataSource: DataSource;
  tenantId: string;
  batchId: string;
  body: Readable;
  format: BodyFormat;
  maxBytes: number;
  retentionDays: number;
  futureSkewSeconds: number;
  defaultEndpointId?: string;
  /** Longest line or CSV record; a body with a longer one is refused whole. */
  maxLineBytes?: number;
  /** Nothing received for this long fails the upload (default: no limit). */
  idleTimeoutMs?: number;
  /** The upload and its storage end by then (epoch ms; default: no limit). */
  deadline?: number;
}

/**
 * The POST /ingest path, in three steps so that no pooled connection waits on the client:
 * (1) a short transaction answers a replayed batch at once and reads the tenant's endpoint ids;
 * (2) the body streams through the parser and the validator into a private spool file (COPY text),
 * with no connection held however slowly it arrives; (3) one transaction as the tenant claims the
 * batch id and COPYs the spool at disk speed. COPY cannot write through RLS, so rows land in a
 * temporary table first and move into `samples` with one INSERT, which RLS checks. A failure
 * anywhere (bad header, body too large, client gone, timeout) stores nothing.
 */
export async function bulkIngest(
  options: BulkIngestOptions,
): Promise<{ outcome: IngestOutcome; touched: TouchedRange[] }> {
  const { dataSource, tenantId, batchId } = options;
  const deadline = options.deadline ?? Number.MAX_SAFE_INTEGER;
  const known = await withTenant(dataSource, tenantId, async (manager) => {
    const seen: unknown[] = await manager.query(
      'select 1 from ingest_batches where batch_id = $1',
      [batchId],
    );
    if (seen.length > 0) return { replay: await replayOf(manager, batchId) };
    return { endpointIds: await tenantEndpointIds(manager) };
  });
  if (known.replay) return { outcome: known.replay, touched: [] };

  const spool = path.join(os.tmpdir(), `sentinel-ingest-${crypto.randomUUID()}.copy`);
  try {
    const tally = new BatchTally({
      endpointIds: known.endpointIds!,
      now: new Date(),
      retentionDays: options.retentionDays,
      futureSkewSeconds: options.futureSkewSeconds,
    });
    const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    await pipeline(
      options.body,
      options.idleTimeoutMs ? uploadTimeouts(options.idleTimeoutMs, deadline) : new PassThrough(),
      byteLimit(options.maxBytes),
      lineLimit(maxLine),
      rowParser(options.format, {
        endpointIdOptional: Boolean(options.defaultEndpointId),
        maxRecordBytes: maxLine,
      }),
      new CopyEncoder(tally, options.defaultEndpointId),
      fs.createWriteStream(spool, { flags: 'wx', mode: 0o600 }),
    ).catch((err: unknown) => {
      throw unreadableCsv(err) ?? err;
    });
    return await storeSpool(dataSource, tenantId, batchId, tally, spool, deadline);
  } finally {
    await fs.promises.rm(spool, { force: true });
  }
}

async function storeSpool(
  dataSource: DataSource,
  tenantId: string,
  batchId: string,
  tally: BatchTally,
  spool: string,
  deadline: number,
): Promise<{ outcome: IngestOutcome; touched: TouchedRange[] }> {
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  const manager = runner.manager;
  try {
    await runner.startTransaction();
    await manager.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    // A large spool may COPY for longer than the API's statement timeout allows a query.
    if (deadline < Number.MAX_SAFE_INTEGER) {
      const ms = Math.max(1000, deadline - Date.now());
      await manager.query(`select set_config('statement_timeout', $1, true)`, [String(ms)]);
    }
    if (!(await claimBatch(manager, tenantId, batchId))) {
      // A concurrent delivery of the same batch committed while this one was uploading.
      const outcome = await replayOf(manager, batchId);
      await runner.commitTransaction();
      return { outcome, touched: [] };
    }
    if (tally.accepted > 0) {
      await manager.query(`create temp table ingest_rows (endpoint_id uuid, observed_at timestamptz, latency_ms float8,
        status_code smallint, error_kind text) on commit drop`);
      const copy = client.query(copyFrom('copy ingest_rows from stdin'));
      await pipeline(fs.createReadStream(spool), copy as Writable);
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
