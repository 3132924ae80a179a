import type Bull from 'bull';
import { Endpoint } from '../entities/endpoint.entity';
import { createProbeClient, probe } from '../telemetry/prober';
import { ingestSamples } from '../telemetry/ingest-samples';
import { isSelfTarget } from '../telemetry/self-target';
import { AddressPolicy } from '../telemetry/ssrf-guard';
import { withTenant } from '../tenancy/with-tenant';
import { defineJob, enqueue, type TenantScoped } from './job-definition';
import type { ProcessorRegistration } from './processor';
import { enqueueRollups } from './rollup-jobs';

export const PROBE_QUEUE = 'probes';

export interface ProbeJob extends TenantScoped {
  endpointId: string;
}

/** A missed tick is not retried: the next one comes within the interval. */
export const PROBE_JOB = defineJob<ProbeJob>({
  queue: PROBE_QUEUE,
  attempts: 1,
  keep: { completed: 100, failed: 100 },
});

/**
 * Makes the endpoint's probe schedule match the endpoint: one Bull repeatable job per active,
 * probed endpoint, keyed by its id and interval, every `probeIntervalSeconds`; none when archived
 * or passive. Bull creates one job per tick for a repeat key, whichever process scheduled it, so
 * any number of API instances and workers probe each endpoint once per interval.
 */
export async function syncProbeSchedule(
  queue: Bull.Queue<ProbeJob>,
  endpoint: Pick<
    Endpoint,
    'tenantId' | 'id' | 'probeEnabled' | 'probeIntervalSeconds' | 'archivedAt'
  >,
  /** The interval the current schedule was made with, when it changed. */
  previousIntervalSeconds = endpoint.probeIntervalSeconds,
): Promise<void> {
  // The repeat key includes the interval, so the old schedule is found by it, without a scan.
  await queue.removeRepeatable({ every: previousIntervalSeconds * 1000, jobId: endpoint.id });
  if (endpoint.archivedAt || !endpoint.probeEnabled) return;
  await enqueue(
    queue,
    PROBE_JOB,
    { tenantId: endpoint.tenantId, endpointId: endpoint.id },
    { jobId: endpoint.id, repeat: { every: endpoint.probeIntervalSeconds * 1000 } },
  );
}

/** Sentinel's own address space: reachable only by Tenant0's self-monitoring endpoints. */
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/** Probes one endpoint and stores the result as a sample (idempotent per tick: batch id = job id). */
export function createProbeProcessor(allowNetworks: string[]): ProcessorRegistration {
  const client = createProbeClient(new AddressPolicy(allowNetworks));
  const selfClient = createProbeClient(new AddressPolicy([...allowNetworks, ...LOOPBACK]));
  return {
    queue: PROBE_QUEUE,
    concurrency: 20,
    close: async () => {
      await Promise.all([client.close(), selfClient.close()]);
    },
    process: async (job: Bull.Job<ProbeJob>, { config, dataSource, queues, logger }) => {
      const { tenantId, endpointId } = job.data;
      const endpoint = await withTenant(dataSource, tenantId, (m) =>
        m.findOneBy(Endpoint, { id: endpointId }),
      );
      if (!endpoint || endpoint.archivedAt || !endpoint.probeEnabled)
        return { skipped: 'not probed (archived, passive or gone)' };
      const result = await probe(
        endpoint,
        isSelfTarget(tenantId, endpoint.url, config.publicUrl) ? selfClient : client,
      );
      if (result.kind === 'refused') {
        logger.warn(
          { tenantId, endpointId, reason: result.reason },
          'probe refused: target not allowed (PROBE_ALLOW_NETWORKS)',
        );
        return { refused: result.reason };
      }
      const sample = {
        endpointId,
        observedAt: new Date().toISOString(),
        latencyMs: result.latencyMs,
        statusCode: result.statusCode,
        errorKind: result.errorKind,
      };
      const { touched } = await ingestSamples(dataSource, tenantId, `probe:${job.id}`, [sample], {
        ...config.telemetry,
        maxRows: 1,
      });
      await enqueueRollups(queues.rollups, tenantId, touched);
      return result;
    },
  };
}
