import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import { Endpoint } from '../entities/endpoint.entity';
import type { RawSample } from '../telemetry/sample';
import { ingestSamples } from '../telemetry/ingest-samples';
import { recomputeTouched } from '../telemetry/rollups';
import { withTenant } from '../tenancy/with-tenant';
import { demoEndpointName, PROFILES } from './seed-demo-tenant';
import { syntheticHistory } from './synthetic-history';

const DAY = 86_400_000;

/**
 * Keeps a demo tenant's synthetic endpoints alive: the next day of synthetic history is planned
 * now (one outage per endpoint, announced by rising latency, as in the seeded history), and every
 * `everyMs` the samples whose time has come are stored and rolled up. So scoring, `risk` and
 * `riskChanged` have fresh minutes to work on. Runs until `signal` aborts; a second day is
 * planned when the first runs out.
 */
export async function runLiveDemo(
  dataSource: DataSource,
  config: Config,
  tenantId: string,
  seed: number,
  signal: AbortSignal,
  everyMs = 60_000,
): Promise<number> {
  const endpoints = await withTenant(dataSource, tenantId, (m) => m.find(Endpoint));
  const plans = PROFILES.flatMap((profile, i) => {
    const endpoint = endpoints.find((e) => e.name === demoEndpointName(profile.name));
    return endpoint ? [{ endpoint, profile, seed: seed + i * 7919 }] : [];
  });
  // From a minute ago, so the first round already has samples for every endpoint.
  let planned = Date.now() - 60_000;
  const plan = () => {
    const from = new Date(planned);
    planned += DAY;
    return plans.map(({ endpoint, profile, seed: s }) =>
      syntheticHistory(
        {
          endpointId: endpoint.id,
          baseLatencyMs: profile.baseLatencyMs,
          timeoutMs: endpoint.timeoutMs,
        },
        { from, to: new Date(planned), samplesPerMinute: 2, seed: s + from.getTime() / 60_000 },
      ),
    );
  };
  let streams = plan();
  const pending: Array<RawSample | undefined> = streams.map(() => undefined);
  let stored = 0;
  while (!signal.aborted) {
    const now = Date.now();
    if (now >= planned) {
      streams = plan();
      pending.fill(undefined);
    }
    const due: RawSample[] = [];
    streams.forEach((stream, i) => {
      for (let next = pending[i] ?? stream.next().value; next; next = stream.next().value) {
        if (new Date(next.observedAt).getTime() > now) {
          pending[i] = next;
          return;
        }
        due.push(next);
      }
      pending[i] = undefined;
    });
    if (due.length > 0) {
      const { outcome, touched } = await ingestSamples(
        dataSource,
        tenantId,
        `live-demo:${now}`,
        due,
        { ...config.telemetry, maxRows: due.length },
      );
      await recomputeTouched(dataSource, tenantId, touched);
      stored += outcome.accepted;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, everyMs);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
  return stored;
}
