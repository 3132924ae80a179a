import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import { TENANT0_ID } from '../entities/tenant.entity';
import type { ApiQueues } from '../jobs/api-queues';
import { enqueueRollups } from '../jobs/rollup-jobs';
import { ingestSamples } from '../telemetry/ingest-samples';
import type { RawSample } from '../telemetry/sample';
import { SELF_ENDPOINTS } from '../telemetry/self-monitoring';

const FLUSH_EVERY_MS = 5000;
/** Past this many unflushed samples, new ones are dropped rather than grow memory. */
const MAX_BUFFERED = 10_000;

/**
 * Records the API's own request latencies as Tenant0 samples on its passive "API requests"
 * endpoint, flushed every few seconds through the ordinary ingestion path.
 */
export class RequestSampleRecorder {
  private buffer: RawSample[] = [];
  private sequence = 0;
  private readonly instance = crypto.randomUUID();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: {
      config: Config;
      dataSource: DataSource;
      queues: ApiQueues;
      logger: Logger;
    },
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  record(latencyMs: number, statusCode: number): void {
    if (this.buffer.length >= MAX_BUFFERED) return;
    this.buffer.push({
      endpointId: SELF_ENDPOINTS.requests.id,
      observedAt: new Date().toISOString(),
      latencyMs,
      statusCode,
      errorKind: statusCode >= 500 ? 'unexpected_status' : null,
    });
  }

  async flush(): Promise<void> {
    const samples = this.buffer.splice(0, this.deps.config.limits.ingestBatchRows);
    if (samples.length === 0) return;
    try {
      const batchId = `api:${this.instance}:${this.sequence++}`;
      const settings = {
        ...this.deps.config.telemetry,
        maxRows: this.deps.config.limits.ingestBatchRows,
      };
      const { touched } = await ingestSamples(
        this.deps.dataSource,
        TENANT0_ID,
        batchId,
        samples,
        settings,
      );
      await enqueueRollups(this.deps.queues.rollups, TENANT0_ID, touched);
    } catch (err) {
      this.deps.logger.warn(
        { err: (err as Error).message, dropped: samples.length },
        'could not record request samples',
      );
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
