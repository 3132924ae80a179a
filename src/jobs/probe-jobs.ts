import type Bull from 'bull';
import { Endpoint } from '../entities/endpoint.entity';
import { createProbeClient, probe } from '../telemetry/prober';
import { ingestSamples } from '../telemetry/ingest-samples';
import { AddressPolicy } from '../telemetry/ssrf-guard';
import { withTenant } from '../tenancy/with-tenant';
import type { ProcessorRegistration } from './processor';
import { enqueueRollups } from './rollup-jobs';

export const PROBE_QUEUE = 'probes';

export interface ProbeJob {
  tenantId: string;
  endpointId: string;
}

/**
 * Makes the endpoint's probe schedule match the endpoint: one Bull repeatable job per active
 * endpoint, keyed by its id, every `probeIntervalSeconds`; none once archived. Bull creates one
 * job per tick for a repeat key, whichever process scheduled it, so any number of API instances
 * and workers probe each endpoint once per interval.
 */
export async function syncProbeSchedule(
  queue: Bull.Queue<ProbeJob>,
  endpoint: Pick<Endpoint, 'tenantId' | 'id' | 'probeIntervalSeconds' | 'archivedAt'>,
): Promise<void> {
  for (const repeatable of await queue.getRepeatableJobs()) {
    if (repeatable.id === endpoint.id) await queue.removeRepeatableByKey(repeatable.key);
  }
  if (endpoint.archivedAt) return;
  await queue.add(
    { tenantId: endpoint.tenantId, endpointId: endpoint.id },
    { jobId: endpoint.id, repeat: { every: endpoint.probeIntervalSeconds * 1000 }, removeOnComplete: 100, removeOnFail: 100 },
  );
}

/** Probes one endpoint and stores the result as a sample (idempotent per tick: batch id = job id). */
export function createProbeProcessor(policy = AddressPolicy.fromEnv()): ProcessorRegistration {
  const client = createProbeClient(policy);
  return {
    queue: PROBE_QUEUE,
    concurrency: 20,
    close: client.close,
    process: async (job: Bull.Job<ProbeJob>, { config, dataSource, queues, logger }) => {
      const { tenantId, endpointId } = job.data;
      const endpoint = await withTenant(dataSource, tenantId, (m) => m.findOneBy(Endpoint, { id: endpointId }));
      if (!endpoint || endpoint.archivedAt) return { skipped: 'endpoint archived or gone' };
      const result = await probe(endpoint, client);
      if (result.kind === 'refused') {
        logger.warn({ tenantId, endpointId, reason: result.reason }, 'probe refused: target not allowed (PROBE_ALLOW_NETWORKS)');
        return { refused: result.reason };
      }
      const sample = { endpointId, observedAt: new Date().toISOString(), latencyMs: result.latencyMs, statusCode: result.statusCode, errorKind: result.errorKind };
      const { touched } = await ingestSamples(dataSource, tenantId, `probe:${job.id}`, [sample], { ...config.telemetry, maxRows: 1 });
      await enqueueRollups(queues.rollups, tenantId, touched);
      return result;
    },
  };
}
