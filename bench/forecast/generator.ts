/**
 * The forecasting benchmark's own telemetry generator (independent of src/demo): per-minute
 * rollups of endpoints with different SLA levels and normals, and incidents that do and do not
 * announce themselves. Deterministic per seed.
 *
 * Incidents (per endpoint, Poisson-like rates per day):
 * - leak: latency climbs over 30-90 min until it breaches, then a restart fixes it;
 * - saturation: latency grows faster and faster, then timeouts;
 * - stepwise dependency slowdown: +15-30% every 10 min until over the threshold;
 * - sudden outage: errors from one minute to the next, no warning;
 * - near-miss: a climb that stops at 80-95% of the threshold and recovers (no breach);
 * - flapping: a breach that goes in and out for 10-25 min (one episode);
 * - nightly batch: 02:00-02:30 UTC every night, latency +30% (normal, never a breach alone);
 * - data gaps: 10-30 minutes without samples.
 */
export interface EndpointSpec {
  name: string;
  latencyThresholdMs: number;
  errorRateThreshold: number;
  /** The usual p95 as a share of the threshold (0.2: far from it, 0.8: close). */
  normal: number;
}

export interface RollupRow {
  minute: Date;
  n: number;
  e: number;
  timeouts: number;
  connection: number;
  slow: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number;
}

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Kind = 'leak' | 'saturation' | 'steps' | 'outage' | 'near-miss' | 'flap' | 'gap';
const RATES: Record<Kind, number> = {
  leak: 0.25,
  saturation: 0.15,
  steps: 0.15,
  outage: 0.12,
  'near-miss': 0.3,
  flap: 0.1,
  gap: 0.15,
};

export interface Incident {
  kind: Kind;
  start: number; // minute index
  ramp: number; // minutes before the breach (0: none)
  hold: number; // minutes of breach (or of the gap)
  peak: number; // latency multiplier of the normal p95 at the breach, or near-miss peak
}

export function plan(random: () => number, minutes: number, spec: EndpointSpec): Incident[] {
  const incidents: Incident[] = [];
  const days = minutes / 1440;
  for (const [kind, rate] of Object.entries(RATES) as Array<[Kind, number]>) {
    const count = Math.round(rate * days * (0.7 + 0.6 * random()));
    for (let i = 0; i < count; i++) {
      const start = Math.floor(random() * (minutes - 200)) + 60;
      const over = (1.15 + 0.4 * random()) / spec.normal; // breaching multiple
      incidents.push(
        kind === 'leak'
          ? {
              kind,
              start,
              ramp: 30 + Math.floor(random() * 60),
              hold: 10 + Math.floor(random() * 20),
              peak: over,
            }
          : kind === 'saturation'
            ? {
                kind,
                start,
                ramp: 20 + Math.floor(random() * 25),
                hold: 8 + Math.floor(random() * 15),
                peak: over,
              }
            : kind === 'steps'
              ? {
                  kind,
                  start,
                  ramp: 30 + 10 * Math.floor(random() * 3),
                  hold: 15 + Math.floor(random() * 15),
                  peak: over,
                }
              : kind === 'outage'
                ? { kind, start, ramp: 0, hold: 5 + Math.floor(random() * 20), peak: 1 }
                : kind === 'near-miss'
                  ? {
                      kind,
                      start,
                      ramp: 25 + Math.floor(random() * 40),
                      hold: 10,
                      peak: (0.8 + 0.15 * random()) / spec.normal,
                    }
                  : kind === 'flap'
                    ? { kind, start, ramp: 5, hold: 10 + Math.floor(random() * 15), peak: over }
                    : { kind, start, ramp: 0, hold: 10 + Math.floor(random() * 20), peak: 1 },
      );
    }
  }
  return incidents;
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Minute-by-minute effect of the incidents: latency multiplier, error probability, gap. */
function effect(incidents: Incident[], m: number): { mult: number; err: number; gap: boolean } {
  let mult = 1;
  let err = 0;
  let gap = false;
  for (const i of incidents) {
    const t = m - i.start;
    if (t < 0 || t >= i.ramp + i.hold) continue;
    const progress = i.ramp > 0 ? Math.min(1, t / i.ramp) : 1;
    switch (i.kind) {
      case 'leak':
        mult = Math.max(mult, 1 + (i.peak - 1) * progress);
        break;
      case 'saturation':
        mult = Math.max(mult, 1 + (i.peak - 1) * progress ** 3);
        if (t >= i.ramp) err = Math.max(err, 0.15);
        break;
      case 'steps':
        mult = Math.max(
          mult,
          1 + ((i.peak - 1) * Math.floor(progress * 4)) / 4 + (t >= i.ramp ? 0.1 : 0),
        );
        break;
      case 'outage':
        err = 1;
        break;
      case 'near-miss':
        mult = Math.max(
          mult,
          1 + (i.peak - 1) * (t < i.ramp ? progress : 1 - (t - i.ramp) / i.hold),
        );
        break;
      case 'flap':
        if (t >= i.ramp) mult = Math.max(mult, Math.floor((t - i.ramp) / 3) % 2 === 0 ? i.peak : 1);
        break;
      case 'gap':
        gap = true;
        break;
    }
  }
  return { mult, err, gap };
}

/** A probe every 5 seconds. */
export const SAMPLES_PER_MINUTE = 12;

/** Rollups of one endpoint over `minutes` minutes from `from`, SAMPLES_PER_MINUTE a minute. */
export function generateRollups(
  spec: EndpointSpec,
  from: Date,
  minutes: number,
  seed: number,
): RollupRow[] {
  const random = prng(seed);
  const normal = () => {
    const u = Math.max(1e-12, random());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const incidents = plan(random, minutes, spec);
  const sigma = 0.2;
  // Median such that the usual p95 at the daily peak sits at `normal` x threshold.
  const median = (spec.normal * spec.latencyThresholdMs) / (1.08 * Math.exp(1.645 * sigma));
  const rows: RollupRow[] = [];
  for (let m = 0; m < minutes; m++) {
    const time = from.getTime() + m * 60_000;
    const { mult, err, gap } = effect(incidents, m);
    if (gap) continue;
    const hour = (time / 3_600_000) % 24;
    const daily = 1 + 0.08 * Math.sin(((hour - 8) / 24) * 2 * Math.PI);
    const batch = hour >= 2 && hour < 2.5 ? 1.15 : 1;
    const latencies: number[] = [];
    let e = 0;
    let timeouts = 0;
    let connection = 0;
    let max = 0;
    for (let i = 0; i < SAMPLES_PER_MINUTE; i++) {
      if (random() < Math.max(0.0002, err)) {
        e++;
        if (random() < 0.6) {
          timeouts++;
          max = Math.max(max, 10_000);
        } else connection++;
        continue;
      }
      const latency = median * daily * batch * mult * Math.exp(sigma * normal());
      latencies.push(latency);
      max = Math.max(max, latency);
    }
    latencies.sort((a, b) => a - b);
    rows.push({
      minute: new Date(time),
      n: SAMPLES_PER_MINUTE,
      e,
      timeouts,
      connection,
      slow: latencies.filter((l) => l > spec.latencyThresholdMs).length,
      p50: latencies.length ? quantile(latencies, 0.5) : null,
      p95: latencies.length ? quantile(latencies, 0.95) : null,
      p99: latencies.length ? quantile(latencies, 0.99) : null,
      max,
    });
  }
  return rows;
}

/** Six endpoints with different SLA levels and normals (the newcomer: normal at 80%). */
export function endpointSpecs(newcomer = false): EndpointSpec[] {
  if (newcomer)
    return [
      { name: 'newcomer-api', latencyThresholdMs: 400, errorRateThreshold: 0.05, normal: 0.8 },
      { name: 'newcomer-search', latencyThresholdMs: 1200, errorRateThreshold: 0.05, normal: 0.8 },
      { name: 'newcomer-auth', latencyThresholdMs: 150, errorRateThreshold: 0.05, normal: 0.8 },
    ];
  return [
    { name: 'api', latencyThresholdMs: 300, errorRateThreshold: 0.05, normal: 0.3 },
    { name: 'checkout', latencyThresholdMs: 800, errorRateThreshold: 0.02, normal: 0.5 },
    { name: 'search', latencyThresholdMs: 1500, errorRateThreshold: 0.05, normal: 0.2 },
    { name: 'auth', latencyThresholdMs: 200, errorRateThreshold: 0.05, normal: 0.65 },
    { name: 'media', latencyThresholdMs: 2000, errorRateThreshold: 0.1, normal: 0.4 },
    { name: 'ledger', latencyThresholdMs: 500, errorRateThreshold: 0.05, normal: 0.55 },
  ];
}
