import { Endpoint } from '../../src/entities/endpoint.entity';
import { ingestSamples } from '../../src/telemetry/ingest-samples';
import { recomputeRollups } from '../../src/telemetry/rollups';
import { withTenant } from '../../src/tenancy/with-tenant';
import type { ApiFixture } from './api';
import { CREATE_ENDPOINT, endpointInput } from './factories';

export interface HistoryOptions {
  sla: Record<string, number>;
  /** Minute 0; the history covers minutes `firstMinute`..0 relative to it. */
  anchor: Date;
  firstMinute: number;
  /** Sample `i` (of ten, 5 s apart) of minute `minute`. */
  sample: (
    minute: number,
    i: number,
  ) => { latencyMs: number; statusCode?: number | null; errorKind?: string | null };
}

/** An endpoint of the fixture's tenant with ten samples a minute, stored and rolled up. */
export async function endpointWithHistory(
  fx: ApiFixture,
  options: HistoryOptions,
): Promise<Endpoint> {
  const input = endpointInput({ sla: options.sla });
  const id = (
    await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input },
      fx.tenant.adminKey,
    )
  ).data!.createEndpoint.id;
  const at = (minute: number) => options.anchor.getTime() + minute * 60_000;
  const samples = [];
  for (let m = options.firstMinute; m <= 0; m++) {
    for (let i = 0; i < 10; i++) {
      samples.push({
        endpointId: id,
        observedAt: new Date(at(m) + i * 5000).toISOString(),
        statusCode: 200,
        ...options.sample(m, i),
      });
    }
  }
  await ingestSamples(fx.db.dataSource, fx.tenant.id, `history-${id}`, samples, {
    ...fx.api.config.telemetry,
    maxRows: samples.length,
  });
  return withTenant(fx.db.dataSource, fx.tenant.id, async (m) => {
    await recomputeRollups(m, fx.tenant.id, {
      endpointId: id,
      from: new Date(at(options.firstMinute)),
      to: new Date(at(0)),
    });
    return m.findOneByOrFail(Endpoint, { id });
  });
}
