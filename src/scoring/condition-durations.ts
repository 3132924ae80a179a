import type { EntityManager } from 'typeorm';

/**
 * How long the conditions an explanation names have held: "p95 latency rising for 20 min", "error
 * rate above its usual for 12 min". Read from the endpoint's per-minute rollups of the hours before
 * the prediction, only when a prediction is explained (read time, one endpoint, one indexed range
 * scan of at most LOOKBACK_MINUTES rows): scoring 10,000 endpoints a minute never pays for it.
 */

/** How far back a condition is followed; one that held longer reads "for over 4 h". */
export const LOOKBACK_MINUTES = 240;
/** Minutes averaged per point, so that one noisy minute neither starts nor ends a condition. */
const SMOOTH = 5;

export interface RecentMinute {
  minute: Date;
  samples: number;
  errors: number;
  /** p95 of the successful samples, ms; null without any. */
  p95: number | null;
}

export interface ConditionDurations {
  /** Minutes p95 has been above its usual level (null: it is not). */
  latencyMinutes: number | null;
  /** Whether p95 climbed over that time (rather than holding high). */
  latencyRising: boolean;
  /** Minutes the error rate has been above its usual level (null: it is not). */
  errorMinutes: number | null;
  /** The condition held for the whole lookback: "for over ..." rather than "for ...". */
  latencySinceBeforeLookback: boolean;
  errorSinceBeforeLookback: boolean;
}

export const NO_DURATIONS: ConditionDurations = {
  latencyMinutes: null,
  latencyRising: false,
  errorMinutes: null,
  latencySinceBeforeLookback: false,
  errorSinceBeforeLookback: false,
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : 0;
}

/** Trailing averages over SMOOTH minutes of data (minutes without data are skipped). */
function smoothed(values: Array<number | null>): Array<number | null> {
  return values.map((_, i) => {
    const window = values.slice(Math.max(0, i - SMOOTH + 1), i + 1).filter((v) => v !== null);
    return window.length ? window.reduce((a, b) => a + b, 0) / window.length : null;
  });
}

/**
 * Minutes, ending at the last point, during which `elevated` held for every point with data
 * (a minute without data neither breaks nor extends the run). Null when it does not hold now.
 */
function run(
  minutes: Date[],
  values: Array<number | null>,
  elevated: (v: number) => boolean,
): { start: number; whole: boolean } | null {
  let last = -1;
  for (let i = values.length - 1; i >= 0; i--)
    if (values[i] !== null) {
      last = i;
      break;
    }
  if (last < 0 || !elevated(values[last]!)) return null;
  let start = last;
  for (let i = last - 1; i >= 0; i--) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (!elevated(v)) return { start: minutes[start]!.getTime(), whole: false };
    start = i;
  }
  return { start: minutes[start]!.getTime(), whole: true };
}

/**
 * How long latency and errors have been above the endpoint's usual level, at the last minute of
 * `recent` (time order, the prediction's minute last). The usual level is the median over the
 * lookback; "above" means above it by more than a tenth of the rise since (so a ramp is dated
 * from its foot, not its middle) and more than the minute-to-minute noise.
 */
export function conditionDurations(
  recent: RecentMinute[],
  latencyThresholdMs: number,
  errorRateThreshold: number,
  at: Date,
): ConditionDurations {
  if (recent.length === 0) return NO_DURATIONS;
  const minutes = recent.map((r) => r.minute);
  const since = (start: number) => Math.max(1, Math.round((at.getTime() - start) / 60_000) + 1);

  const ratio = recent.map((r) => (r.p95 === null ? null : r.p95 / latencyThresholdMs));
  const known = ratio.filter((v) => v !== null);
  const usual = median(known);
  const noise = (median(known.map((v) => Math.abs(v - usual))) * 1.4826) / Math.sqrt(SMOOTH);
  const latency = smoothed(ratio);
  const now = [...latency].reverse().find((v) => v !== null) ?? null;
  const rise = now === null ? 0 : now - usual;
  // A rise under 5% of the SLA, or within the noise, is no condition worth a duration.
  const latencyRun =
    rise > Math.max(0.05, 3 * noise)
      ? run(minutes, latency, (v) => v - usual > Math.max(0.1 * rise, 2 * noise))
      : null;

  const errorRate = smoothed(recent.map((r) => (r.samples > 0 ? r.errors / r.samples : null)));
  const usualErrors =
    recent.reduce((a, r) => a + r.errors, 0) /
    Math.max(
      1,
      recent.reduce((a, r) => a + r.samples, 0),
    );
  // Errors are "up" above twice their usual rate and a tenth of the SLA's error rate.
  const errorFloor = Math.max(2 * usualErrors, 0.1 * errorRateThreshold);
  const errorRun = run(minutes, errorRate, (v) => v > errorFloor);

  let rising = false;
  if (latencyRun) {
    // Rising, not holding high: now clearly above where it stood halfway through the run (a step
    // that then holds is "above its usual"; a ramp is "rising").
    const middle = (latencyRun.start + at.getTime()) / 2;
    const half = latency.find((v, i) => v !== null && minutes[i]!.getTime() >= middle) ?? now!;
    rising = now! - half > Math.max(0.25 * rise, 2 * noise);
  }
  return {
    latencyMinutes: latencyRun ? since(latencyRun.start) : null,
    latencyRising: rising,
    latencySinceBeforeLookback: latencyRun?.whole ?? false,
    errorMinutes: errorRun ? since(errorRun.start) : null,
    errorSinceBeforeLookback: errorRun?.whole ?? false,
  };
}

/** The endpoint's rollups of the LOOKBACK_MINUTES up to `at` (inclusive), oldest first. */
export async function recentMinutes(
  manager: EntityManager,
  endpointId: string,
  at: Date,
): Promise<RecentMinute[]> {
  const rows: Array<{ minute: Date; n: number; e: number; p95: number | null }> =
    await manager.query(
      `select minute, sample_count as n, error_count as e, latency_p95 as p95 from rollups_minute
        where endpoint_id = $1 and minute > $2 and minute <= $3 order by minute`,
      [endpointId, new Date(at.getTime() - LOOKBACK_MINUTES * 60_000), at],
    );
  return rows.map((r) => ({ minute: r.minute, samples: r.n, errors: r.e, p95: r.p95 }));
}
