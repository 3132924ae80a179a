import { riskLevel } from '../scoring/predictions';
import {
  EPISODE_DAYS,
  MAX_EPISODES,
  type StatusEndpoint,
  type StatusPageData,
} from './status-data';

// Server-rendered HTML with inline SVG: no scripts, no external assets, readable without CSS.

export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const COLORS = {
  good: '#1a7f37',
  warn: '#9a6700',
  bad: '#d1242f',
  none: '#d0d7de',
  maintenance: '#0969da',
  line: '#0969da',
  muted: '#59636e',
  grid: '#eaeef2',
};

const STATES: Record<StatusEndpoint['state'], { label: string; color: string }> = {
  OPERATIONAL: { label: 'Operational', color: COLORS.good },
  BREACHED: { label: 'SLA breached', color: COLORS.bad },
  NO_DATA: { label: 'No data', color: COLORS.muted },
  MAINTENANCE: { label: 'Maintenance', color: COLORS.maintenance },
};

function percent(value: number | null, digits = 2): string {
  return value === null ? '&ndash;' : `${(value * 100).toFixed(digits)}%`;
}

const day = (date: Date) => date.toISOString().slice(0, 10);
export const minute = (date: Date): string =>
  `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Green at or above the target, amber within five error budgets of it, red below. */
function dayColor(availability: number | null, target: number): string {
  if (availability === null) return COLORS.none;
  if (availability >= target) return COLORS.good;
  return availability >= 1 - 5 * (1 - target) ? COLORS.warn : COLORS.bad;
}

function uptimeBars(endpoint: StatusEndpoint): string {
  const width = 8;
  const rects = endpoint.uptimeDays.map(({ day: d, availability, breachedMinutes }, i) => {
    const title =
      availability === null
        ? `${day(d)}: no data`
        : `${day(d)}: ${percent(availability, 3)} available, ${plural(breachedMinutes, 'breached minute')}`;
    return (
      `<rect x="${i * width}" y="0" width="${width - 2}" height="34" rx="1" fill="${dayColor(availability, endpoint.availabilityTarget)}"` +
      ` data-day="${day(d)}" data-availability="${availability ?? ''}" data-breached-minutes="${breachedMinutes}"><title>${title}</title></rect>`
    );
  });
  return `<svg class="uptime" role="img" aria-label="Availability per day, last ${endpoint.uptimeDays.length} days" viewBox="0 0 ${endpoint.uptimeDays.length * width} 34" width="100%" height="34" preserveAspectRatio="none">${rects.join('')}</svg>`;
}

function legend(target: number): string {
  const item = (color: string, text: string) =>
    `<span><i style="background:${color}"></i>${text}</span>`;
  return (
    `<p class="legend">` +
    item(COLORS.good, `Target met (${percent(target, 2)})`) +
    item(COLORS.warn, 'Below target') +
    item(COLORS.bad, 'Far below (over 5&times; the error budget)') +
    item(COLORS.none, 'No data') +
    `</p>`
  );
}

/** A rounded top for the latency axis: 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= value)!;
}

function latencyChart(endpoint: StatusEndpoint): string {
  const [w, h] = [760, 150];
  const plot = { left: 52, right: w - 8, top: 8, bottom: h - 24 };
  const values = endpoint.latency.map((b) => b.p95).filter((v): v is number => v !== null);
  const top = niceCeiling(Math.max(endpoint.latencyThresholdMs, ...values) * 1.1);
  const span = plot.right - plot.left;
  const x = (i: number) => plot.left + (i / Math.max(1, endpoint.latency.length - 1)) * span;
  const y = (v: number) => plot.bottom - (v / top) * (plot.bottom - plot.top);
  // Gaps (buckets without samples) break the line rather than bridge it; a lone point is a dot.
  const segments: string[][] = [[]];
  endpoint.latency.forEach((b, i) => {
    if (b.p95 === null) segments.push([]);
    else segments.at(-1)!.push(`${x(i).toFixed(1)},${y(b.p95).toFixed(1)}`);
  });
  const marks = segments
    .filter((s) => s.length > 0)
    .map((s) => {
      if (s.length > 1)
        return `<polyline fill="none" stroke="${COLORS.line}" stroke-width="2" points="${s.join(' ')}"/>`;
      const [cx, cy] = s[0]!.split(',');
      return `<circle class="point" cx="${cx}" cy="${cy}" r="3" fill="${COLORS.line}"/>`;
    });
  const yTicks = [0, top / 2, top].map((v) => {
    const yy = y(v).toFixed(1);
    return (
      `<line x1="${plot.left}" x2="${plot.right}" y1="${yy}" y2="${yy}" stroke="${COLORS.grid}"/>` +
      `<text class="y-label" x="${plot.left - 6}" y="${Number(yy) + 4}" text-anchor="end" font-size="11" fill="${COLORS.muted}">${Math.round(v)} ms</text>`
    );
  });
  const xLabels = [
    [plot.left, 'start', '24 h ago'],
    [plot.left + span / 2, 'middle', '12 h ago'],
    [plot.right, 'end', 'now'],
  ].map(
    ([xx, anchor, text]) =>
      `<text class="x-label" x="${xx}" y="${h - 6}" text-anchor="${anchor}" font-size="11" fill="${COLORS.muted}">${text}</text>`,
  );
  const threshold = y(endpoint.latencyThresholdMs).toFixed(1);
  return (
    `<svg class="latency" role="img" aria-label="p95 latency, last 24 hours, against the SLA threshold" viewBox="0 0 ${w} ${h}" width="100%" height="${h}">` +
    yTicks.join('') +
    `<line x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${plot.bottom}" stroke="${COLORS.muted}"/>` +
    `<line x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}" stroke="${COLORS.muted}"/>` +
    xLabels.join('') +
    `<line x1="${plot.left}" x2="${plot.right}" y1="${threshold}" y2="${threshold}" stroke="${COLORS.bad}" stroke-dasharray="6 4"/>` +
    `<text x="${plot.right - 4}" y="${Number(threshold) - 4}" text-anchor="end" font-size="11" fill="${COLORS.bad}">SLA ${endpoint.latencyThresholdMs} ms</text>` +
    `${marks.join('')}` +
    (values.length === 0
      ? `<text x="${plot.left + span / 2}" y="${(plot.top + plot.bottom) / 2}" text-anchor="middle" font-size="12" fill="${COLORS.muted}">No samples in the last 24 hours</text>`
      : '') +
    `</svg>`
  );
}

/**
 * The calibrated risk, coloured by its level against the model's alert threshold: red at or above
 * it, amber from the alert's re-arm level (half of it), green only below that. No line at all without a probability.
 */
function risk(endpoint: StatusEndpoint): string {
  const r = endpoint.risk;
  if (!r || r.probability === null) return '';
  const level = { ABOVE: 'high', NEAR: 'elevated', BELOW: 'low' }[
    r.level ?? riskLevel(r.probability, r.threshold)
  ];
  const color = { high: COLORS.bad, elevated: COLORS.warn, low: COLORS.good }[level];
  return (
    `<p class="risk" data-probability="${r.probability}" data-threshold="${r.threshold}" data-level="${level}">` +
    `Breach risk in the next ${r.horizonMinutes} minutes: <strong style="color:${color}">${percent(r.probability, 1)}</strong>` +
    ` <small>(alert threshold ${percent(r.threshold, 0)})</small></p>`
  );
}

function episodes(endpoint: StatusEndpoint): string {
  if (endpoint.episodeCount === 0)
    return `<p class="episodes">No SLA breaches in the last ${EPISODE_DAYS} days.</p>`;
  const items = endpoint.episodes
    .map((e) => `<li>${minute(e.start)}, ${plural(e.minutes, 'breached minute')}</li>`)
    .join('');
  const more =
    endpoint.episodeCount > endpoint.episodes.length
      ? `<li>&hellip; and ${endpoint.episodeCount - endpoint.episodes.length} earlier (the latest ${MAX_EPISODES} are listed)</li>`
      : '';
  return `<details class="episodes"><summary>Recent SLA breaches (${endpoint.episodeCount} in ${EPISODE_DAYS} days)</summary><ul>${items}${more}</ul></details>`;
}

function maintenanceNote(endpoint: StatusEndpoint): string {
  if (!endpoint.maintenance) return '';
  const reason = endpoint.maintenance.reason ? `: ${escapeHtml(endpoint.maintenance.reason)}` : '';
  return `<p class="maintenance">Under maintenance until ${minute(endpoint.maintenance.endsAt)}${reason}. Its minutes do not count against availability.</p>`;
}

function section(endpoint: StatusEndpoint): string {
  const state = STATES[endpoint.state];
  return `<section class="endpoint" data-endpoint="${escapeHtml(endpoint.name)}" data-state="${endpoint.state}">
<h2><span style="color:${state.color}">&#9679;</span> ${escapeHtml(endpoint.name)} <small class="state">${state.label}</small></h2>
${maintenanceNote(endpoint)}
<p>${percent(endpoint.availability90d, 3)} available over ${endpoint.uptimeDays.length} days (target ${percent(endpoint.availabilityTarget, 2)})</p>
${uptimeBars(endpoint)}
<p class="axis"><span>${day(endpoint.uptimeDays[0]!.day)}</span><span>today</span></p>
${legend(endpoint.availabilityTarget)}
<h3>Latency (p95), last 24 hours</h3>
${latencyChart(endpoint)}
${risk(endpoint)}
${episodes(endpoint)}
</section>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
h2{font-size:1.15rem;margin:2rem 0 .25rem}h3{font-size:.9rem;color:#59636e;margin:1rem 0 .25rem}small{color:#59636e;font-weight:normal}
.axis{display:flex;justify-content:space-between;font-size:.8rem;color:#59636e;margin:0}.banner{padding:.75rem 1rem;border-radius:6px;color:#fff}
.legend{display:flex;flex-wrap:wrap;gap:1rem;font-size:.8rem;color:#59636e;margin:.25rem 0}.legend i{display:inline-block;width:.7rem;height:.7rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
.maintenance{color:#0969da;margin:.25rem 0}section{border-bottom:1px solid #d0d7de;padding-bottom:1rem}`;

/** The banner says what the checks below say: never "operational" above a check without data. */
export function bannerFor(endpoints: StatusEndpoint[]): { text: string; color: string } {
  const count = (state: StatusEndpoint['state']) =>
    endpoints.filter((e) => e.state === state).length;
  const total = endpoints.length;
  const [breached, maintenance, noData] = [
    count('BREACHED'),
    count('MAINTENANCE'),
    count('NO_DATA'),
  ];
  if (breached > 0)
    return { text: `${breached} of ${total} checks breaching their SLA`, color: COLORS.bad };
  if (noData > 0)
    return { text: `${noData} of ${total} checks without recent data`, color: COLORS.muted };
  if (maintenance > 0)
    return {
      text: `${maintenance} of ${total} checks under maintenance, the others operational`,
      color: COLORS.maintenance,
    };
  return { text: 'All checks operational', color: COLORS.good };
}

export function renderStatusPage(data: StatusPageData, feedPath: string): string {
  const banner = data.endpoints.length > 0 ? bannerFor(data.endpoints) : null;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(data.name)} status</title><link rel="alternate" type="application/atom+xml" title="Incidents" href="${escapeHtml(feedPath)}"><style>${STYLE}</style></head><body>
<h1>${escapeHtml(data.name)} status</h1>
${banner ? `<p class="banner" style="background:${banner.color}">${banner.text}</p>` : ''}
<p><small>Updated ${minute(data.generatedAt)}. Availability counts minutes within the SLA; minutes in maintenance do not count. <a href="${escapeHtml(feedPath)}">Incidents feed (Atom)</a></small></p>
${data.endpoints.map(section).join('\n') || '<p>No public checks yet.</p>'}
</body></html>`;
}

export function renderNotFound(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title><style>${STYLE}</style></head><body>
<h1>Not found</h1><p>There is no status page here.</p></body></html>`;
}
