import type { FeatureContribution } from '../ml/explain';
import { LOOKBACK_MINUTES, NO_DURATIONS, type ConditionDurations } from './condition-durations';

/** The SLA an explanation speaks of. */
export interface SlaWords {
  latencyThresholdMs: number;
  latencyPercentile: number;
  errorRateThreshold: number;
}

const pct = (v: number) => `${Math.round(v * 100)}%`;
const times = (v: number) => `${v >= 10 ? Math.round(v) : v.toFixed(1)}x`;
const WINDOW: Record<string, string> = {
  '5m': '5 min',
  '15m': '15 min',
  '60m': '60 min',
  '4h': '4 h',
};

/**
 * Time-of-day and day-of-week features go out as one entry each, never as their sine and cosine:
 * a person reads "usual for this time of day", not `tod_sin`.
 */
export function mergeCyclic(top: FeatureContribution[]): FeatureContribution[] {
  const merged = new Map<string, FeatureContribution>();
  for (const f of top) {
    const name = f.name.startsWith('tod_')
      ? 'time_of_day'
      : f.name.startsWith('dow_')
        ? 'day_of_week'
        : f.name;
    const seen = merged.get(name);
    if (seen) seen.contribution += f.contribution;
    else merged.set(name, { ...f, name });
  }
  return [...merged.values()];
}

/** "20 min", "2.5 h"; "over 4 h" for a condition older than what was looked at. */
export function duration(minutes: number, sinceBeforeLookback = false): string {
  if (sinceBeforeLookback) return `over ${LOOKBACK_MINUTES / 60} h`;
  return minutes < 120 ? `${minutes} min` : `${+(minutes / 60).toFixed(1)} h`;
}

/**
 * One feature's value in a person's words, against the endpoint's own SLA, with how long the
 * condition it names has held when that is known (src/scoring/condition-durations.ts).
 */
export function describeFeature(
  name: string,
  value: number,
  sla: SlaWords,
  held: ConditionDurations = NO_DURATIONS,
): string {
  const words = describeValue(name, value, sla);
  const up = value > 0;
  if (held.latencyMinutes !== null && up && LATENCY_LEVEL.test(name)) {
    const time = duration(held.latencyMinutes, held.latencySinceBeforeLookback);
    const how = held.latencyRising ? `rising for ${time}` : `above its usual for ${time}`;
    // "p95 latency now 85% of ..." -> "p95 latency rising for 20 min, now 85% of ...".
    if (words.startsWith('p95 latency rising:'))
      return held.latencyRising ? words.replace('rising:', `rising for ${time}:`) : words;
    if (words.startsWith('p95 latency ')) return `p95 latency ${how}, ${words.slice(12)}`;
    return `${words}; p95 latency ${how}`;
  }
  if (held.errorMinutes !== null && up && ERROR_LEVEL.test(name)) {
    const time = duration(held.errorMinutes, held.errorSinceBeforeLookback);
    if (words.startsWith('error rate rising over the last hour'))
      return words.replace('rising over the last hour', `rising for ${time}`);
    if (words.startsWith('error rate ')) return `error rate up for ${time}: ${words.slice(11)}`;
    return `${words}; errors up for ${time}`;
  }
  return words;
}

/** Features whose high value means latency above its usual level (or a latency rise). */
const LATENCY_LEVEL = /^(p95_|slow_sla_|baseline_dev$)/;
/** Features whose high value means errors above their usual level (or rising). */
const ERROR_LEVEL = /^(err_|fail_sla_)/;

/** One feature's value in a person's words, against the endpoint's own SLA. */
function describeValue(name: string, value: number, sla: SlaWords): string {
  const ms = `${sla.latencyThresholdMs} ms`;
  const err = `${+(sla.errorRateThreshold * 100).toFixed(2)}%`;
  const window = WINDOW[name.split('_').at(-1) ?? ''] ?? '';
  const direction = value >= 0 ? 'rising' : 'falling';
  if (name === 'p95_ratio') return `p95 latency now ${pct(value)} of the ${ms} SLA`;
  if (name === 'p95_ratio_5m') return `p95 latency at ${pct(value)} of the ${ms} SLA over 5 min`;
  if (name === 'p95_ratio_max_5m')
    return `p95 latency peaked at ${pct(value)} of the ${ms} SLA in the last 5 min`;
  if (name.startsWith('p95_slope_')) {
    const [, , short, long] = name.split('_');
    return `p95 latency ${direction}: the last ${short} min average is ${pct(Math.abs(value))} of the ${ms} SLA ${value >= 0 ? 'above' : 'below'} the last ${long === '240' ? '4 h' : `${long} min`}`;
  }
  if (name === 'p95_vs_usual') return `p95 latency ${times(value + 1)} its usual for this hour`;
  if (name === 'baseline_dev') return `p95 latency ${times(value + 1)} its 24-hour average`;
  if (name === 'spread_5m') return `latency spread (p99 - p50) at ${pct(value)} of the ${ms} SLA`;
  if (name.startsWith('slow_sla_'))
    return `${pct(value * (1 - sla.latencyPercentile / 100))} of successful requests slower than ${ms} over ${window} (the p${sla.latencyPercentile} SLA allows ${pct(1 - sla.latencyPercentile / 100)})`;
  if (name === 'err_sla_max_5m')
    return `worst minute of the last 5: error rate ${pct(value * sla.errorRateThreshold)} (SLA ${err})`;
  if (name === 'err_slope_15_60')
    return `error rate ${direction} over the last hour (${pct(Math.abs(value))} of the ${err} SLA)`;
  if (name.startsWith('err_sla_'))
    return `error rate ${pct(value * sla.errorRateThreshold)} over ${window}, ${pct(value)} of the ${err} SLA`;
  if (name === 'err_vs_usual')
    return `error rate ${times(Math.exp(value))} its usual for this hour`;
  if (name === 'fail_sla_15m')
    return `timeouts and connection failures at ${pct(value)} of the ${err} error SLA over 15 min`;
  if (name === 'traffic_5m_vs_60m') return `traffic ${times(value + 1)} its hourly average`;
  if (name === 'data_sufficiency') return `${pct(value)} of the usual amount of data`;
  if (name === 'time_of_day') return 'usual for this time of day';
  if (name === 'day_of_week') return 'usual for this day of the week';
  if (name === 'since_breach') {
    if (value >= 1) return 'no breach in the last day';
    const minutes = Math.round(Math.exp(value * Math.log(1 + 1440)) - 1);
    return `a breach ended ${minutes} min ago`;
  }
  return name.replace(/_/g, ' ');
}

/** The top features of a prediction as sentences, the strongest first. */
export function explainInWords(
  top: FeatureContribution[],
  sla: SlaWords,
  held: ConditionDurations = NO_DURATIONS,
): string[] {
  return mergeCyclic(top).map((f) => describeFeature(f.name, f.value, sla, held));
}
