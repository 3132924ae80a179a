/**
 * How an alert fares against breach onsets, on the same minutes: what the model is judged by, and
 * what the burn-rate alert it competes with is judged by (SPEC section 5).
 */
export interface AlertMetrics {
  onsets: number;
  alerts: number;
  /** Onsets with an alert firing in the `horizon` minutes before them. */
  eventRecall: number | null;
  /** Alerts (rising edges) followed by an onset within `horizon` minutes. */
  precision: number | null;
  /** Minutes from the first alert minute before an onset to the onset, median over caught onsets. */
  medianLeadMinutes: number | null;
  falseAlertsPerEndpointDay: number;
}

export interface MinuteSeries {
  /** Per endpoint: minutes in time order. Gaps are allowed (minutes without data are absent). */
  minutes: Date[];
  onset: boolean[];
  firing: boolean[];
  /** Minutes inside a breach episode: an alert there is neither counted nor rising. */
  inEpisode?: boolean[];
}

const MINUTE = 60_000;

/** The raw counts behind AlertMetrics, with the lead of every caught onset. */
export interface AlertCounts {
  onsets: number;
  alerts: number;
  trueAlerts: number;
  endpointMinutes: number;
  /** Minutes of warning per caught onset (1 to horizon), in no particular order. */
  leads: number[];
}

export function alertMetrics(series: MinuteSeries[], horizon: number): AlertMetrics {
  return metricsOf(alertCounts(series, horizon));
}

export function metricsOf(counts: AlertCounts): AlertMetrics {
  const { onsets, alerts, trueAlerts, endpointMinutes } = counts;
  const leads = [...counts.leads].sort((a, b) => a - b);
  const days = endpointMinutes / 1440;
  return {
    onsets,
    alerts,
    eventRecall: onsets > 0 ? leads.length / onsets : null,
    precision: alerts > 0 ? trueAlerts / alerts : null,
    medianLeadMinutes: leads.length > 0 ? leads[Math.floor((leads.length - 1) / 2)]! : null,
    falseAlertsPerEndpointDay: days > 0 ? (alerts - trueAlerts) / days : 0,
  };
}

export function alertCounts(series: MinuteSeries[], horizon: number): AlertCounts {
  let onsets = 0;
  let alerts = 0;
  let trueAlerts = 0;
  let endpointMinutes = 0;
  const leads: number[] = [];
  const h = horizon * MINUTE;
  for (const { minutes, onset, firing: raw, inEpisode } of series) {
    // Inside an episode nobody needs a forecast: those minutes neither alert nor count.
    const firing = inEpisode ? raw.map((f, i) => f && !inEpisode[i]) : raw;
    endpointMinutes += minutes.length;
    const onsetTimes: number[] = [];
    const firingTimes: number[] = [];
    minutes.forEach((m, i) => {
      if (onset[i]) onsetTimes.push(m.getTime());
      if (firing[i]) firingTimes.push(m.getTime());
    });
    // Both lists are in time order: one pointer each, linear in the minutes (the threshold
    // search calls this a few hundred times).
    let f = 0;
    for (const t of onsetTimes) {
      onsets++;
      while (f < firingTimes.length && firingTimes[f]! < t - h) f++;
      if (f < firingTimes.length && firingTimes[f]! < t) {
        leads.push((t - firingTimes[f]!) / MINUTE);
      }
    }
    let o = 0;
    minutes.forEach((m, i) => {
      const risingEdge =
        firing[i] &&
        !(i > 0 && firing[i - 1] && m.getTime() - minutes[i - 1]!.getTime() === MINUTE);
      if (!risingEdge) return;
      alerts++;
      const time = m.getTime();
      while (o < onsetTimes.length && onsetTimes[o]! <= time) o++;
      if (o < onsetTimes.length && onsetTimes[o]! <= time + h) trueAlerts++;
    });
  }
  return { onsets, alerts, trueAlerts, endpointMinutes, leads };
}

/** Area under the precision-recall curve (average precision) of minute scores against labels. */
export function prAuc(scores: number[], labels: Array<0 | 1>): number | null {
  const positives = labels.filter((l) => l === 1).length;
  if (positives === 0) return null;
  const order = scores.map((score, i) => [score, labels[i]!] as const).sort((a, b) => b[0] - a[0]);
  let truePositives = 0;
  let sum = 0;
  order.forEach(([, label], rank) => {
    if (label === 1) {
      truePositives++;
      sum += truePositives / (rank + 1);
    }
  });
  return sum / positives;
}
