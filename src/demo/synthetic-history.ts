import type { RawSample } from '../telemetry/sample';

/**
 * Synthetic telemetry that looks like a real service's: a daily cycle (busier and slower by day),
 * a quieter weekend, a slow degradation that gets fixed, error bursts, and sudden outages that
 * are preceded by a short rise in latency (what a forecaster can learn from). Deterministic for
 * a given seed. It is synthetic: demo endpoints say so in their names.
 */
export interface EndpointProfile {
  endpointId: string;
  /** Typical latency at night, in ms. */
  baseLatencyMs: number;
  /** Timeout used for outage samples, in ms. */
  timeoutMs: number;
}

export interface HistoryOptions {
  from: Date;
  to: Date;
  samplesPerMinute: number;
  seed: number;
}

/** mulberry32: a tiny, good-enough seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Incident {
  start: number;
  end: number;
  kind: 'outage' | 'burst' | 'degradation';
  /** Error probability during a burst; latency multiplier at the peak of a degradation. */
  strength: number;
}

function plannedIncidents(random: () => number, from: number, to: number): Incident[] {
  const minutes = (to - from) / 60_000;
  const days = minutes / 1440;
  const at = (fraction: number) => from + Math.floor(fraction * minutes) * 60_000;
  const incidents: Incident[] = [];
  for (let i = 0; i < Math.max(1, Math.round(days / 10)); i++) {
    const start = at(0.1 + random() * 0.85);
    incidents.push({
      kind: 'outage',
      start,
      end: start + (5 + Math.floor(random() * 40)) * 60_000,
      strength: 1,
    });
  }
  for (let i = 0; i < Math.round(days / 4); i++) {
    const start = at(random());
    incidents.push({
      kind: 'burst',
      start,
      end: start + (10 + Math.floor(random() * 30)) * 60_000,
      strength: 0.1 + random() * 0.3,
    });
  }
  const degradationStart = at(0.4 + random() * 0.3);
  incidents.push({
    kind: 'degradation',
    start: degradationStart,
    end: degradationStart + 4 * 86_400_000,
    strength: 0.6 + random() * 0.6,
  });
  return incidents;
}

/** Latency multiplier of the daily and weekly cycles at time t (UTC). */
function cycle(t: number): number {
  const date = new Date(t);
  const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
  const daytime = Math.max(0, Math.sin((2 * Math.PI * (hour - 6)) / 24));
  const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6 ? 0.6 : 1;
  return 1 + 0.8 * daytime * weekend;
}

/** One endpoint's history, sample by sample, in time order. */
export function* syntheticHistory(
  profile: EndpointProfile,
  options: HistoryOptions,
): Generator<RawSample> {
  const random = prng(options.seed);
  const from = Math.floor(options.from.getTime() / 60_000) * 60_000;
  const to = options.to.getTime();
  const incidents = plannedIncidents(random, from, to);
  const step = 60_000 / options.samplesPerMinute;

  for (let t = from; t < to; t += step) {
    const active = incidents.filter((incident) => t >= incident.start && t < incident.end);
    // Outages announce themselves: latency climbs over the 20 minutes before.
    const looming = incidents.find(
      (i) => i.kind === 'outage' && t < i.start && t >= i.start - 20 * 60_000,
    );
    let factor = cycle(t);
    if (looming) factor *= 1 + 3 * (1 - (looming.start - t) / (20 * 60_000));
    for (const incident of active.filter((i) => i.kind === 'degradation')) {
      const progress = (t - incident.start) / (incident.end - incident.start);
      factor *= 1 + incident.strength * progress;
    }
    const noise = Math.exp((random() - 0.5) * 0.6) * (random() < 0.01 ? 2 : 1);
    const observedAt = new Date(t + Math.floor(random() * step * 0.5)).toISOString();
    const latencyMs = Math.round(profile.baseLatencyMs * factor * noise * 10) / 10;

    if (active.some((i) => i.kind === 'outage')) {
      yield {
        endpointId: profile.endpointId,
        observedAt,
        latencyMs: profile.timeoutMs,
        statusCode: null,
        errorKind: 'timeout',
      };
    } else if (active.some((i) => i.kind === 'burst' && random() < i.strength)) {
      yield {
        endpointId: profile.endpointId,
        observedAt,
        latencyMs,
        statusCode: 503,
        errorKind: 'unexpected_status',
      };
    } else {
      yield {
        endpointId: profile.endpointId,
        observedAt,
        latencyMs,
        statusCode: 200,
        errorKind: null,
      };
    }
  }
}
