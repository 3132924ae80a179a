import { EPISODE_DAYS, type StatusEndpoint, type StatusPageData } from './status-data';

// Server-rendered HTML with inline SVG: no scripts, no external assets, readable without CSS.

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const COLORS = {
  good: '#1a7f37',
  warn: '#9a6700',
  bad: '#d1242f',
  none: '#d0d7de',
  line: '#0969da',
  muted: '#59636e',
};

const STATES: Record<StatusEndpoint['state'], { label: string; color: string }> = {
  OPERATIONAL: { label: 'Operational', color: COLORS.good },
  BREACHED: { label: 'SLA breached', color: COLORS.bad },
  NO_DATA: { label: 'No data', color: COLORS.muted },
};

function percent(value: number | null, digits = 2): string {
  return value === null ? '&ndash;' : `${(value * 100).toFixed(digits)}%`;
}

const day = (date: Date) => date.toISOString().slice(0, 10);
const minute = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Green at or above the target, amber within five error budgets of it, red below. */
function dayColor(availability: number | null, target: number): string {
  if (availability === null) return COLORS.none;
  if (availability >= target) return COLORS.good;
  return availability >= 1 - 5 * (1 - target) ? COLORS.warn : COLORS.bad;
}

function uptimeBars(endpoint: StatusEndpoint): string {
  const width = 8;
  const rects = endpoint.uptimeDays.map(
    ({ day: d, availability }, i) =>
      `<rect x="${i * width}" y="0" width="${width - 2}" height="34" rx="1" fill="${dayColor(availability, endpoint.availabilityTarget)}"` +
      ` data-day="${day(d)}" data-availability="${availability ?? ''}"><title>${day(d)}: ${availability === null ? 'no data' : percent(availability, 3)}</title></rect>`,
  );
  return `<svg class="uptime" role="img" aria-label="Availability per day, last ${endpoint.uptimeDays.length} days" viewBox="0 0 ${endpoint.uptimeDays.length * width} 34" width="100%" height="34" preserveAspectRatio="none">${rects.join('')}</svg>`;
}

function latencyChart(endpoint: StatusEndpoint): string {
  const w = 720;
  const h = 120;
  const values = endpoint.latency.map((b) => b.p95).filter((v): v is number => v !== null);
  const top = Math.max(endpoint.latencyThresholdMs, ...values) * 1.15;
  const x = (i: number) => (i / Math.max(1, endpoint.latency.length - 1)) * w;
  const y = (v: number) => h - (v / top) * h;
  // Gaps (buckets without samples) break the line rather than bridge it.
  const segments: string[][] = [[]];
  endpoint.latency.forEach((b, i) => {
    if (b.p95 === null) segments.push([]);
    else segments.at(-1)!.push(`${x(i).toFixed(1)},${y(b.p95).toFixed(1)}`);
  });
  const lines = segments
    .filter((s) => s.length > 0)
    .map(
      (s) =>
        `<polyline fill="none" stroke="${COLORS.line}" stroke-width="2" points="${s.join(' ')}"/>`,
    );
  const threshold = y(endpoint.latencyThresholdMs).toFixed(1);
  return (
    `<svg class="latency" role="img" aria-label="p95 latency, last 24 hours, against the SLA threshold" viewBox="0 0 ${w} ${h}" width="100%" height="${h}">` +
    `<line x1="0" x2="${w}" y1="${threshold}" y2="${threshold}" stroke="${COLORS.bad}" stroke-dasharray="6 4"/>` +
    `<text x="${w - 4}" y="${Number(threshold) - 4}" text-anchor="end" font-size="11" fill="${COLORS.bad}">SLA ${endpoint.latencyThresholdMs} ms</text>` +
    `${lines.join('')}</svg>`
  );
}

function risk(endpoint: StatusEndpoint): string {
  if (!endpoint.risk) return `<p class="risk">Breach forecast: <span>not available</span></p>`;
  const { probability, horizonMinutes, aboveThreshold, level } = endpoint.risk;
  if (probability === null)
    return `<p class="risk">Breach forecast: <span>not enough data</span></p>`;
  // Green only below the threshold's lower level (predictions.ts NEAR_SHARE).
  const color = aboveThreshold ? COLORS.bad : level === 'BELOW' ? COLORS.good : COLORS.warn;
  return (
    `<p class="risk" data-probability="${probability}">Breach risk in the next ${horizonMinutes} minutes: ` +
    `<strong style="color:${color}">${percent(probability, 1)}</strong>${aboveThreshold ? ' (elevated)' : ''}</p>`
  );
}

function episodes(endpoint: StatusEndpoint): string {
  if (endpoint.episodes.length === 0)
    return `<p class="episodes">No SLA breaches in the last ${EPISODE_DAYS} days.</p>`;
  const items = endpoint.episodes
    .map((e) => `<li>${minute(e.start)}, ${e.minutes} min</li>`)
    .join('');
  return `<details class="episodes"><summary>Recent SLA breaches (${endpoint.episodes.length})</summary><ul>${items}</ul></details>`;
}

function section(endpoint: StatusEndpoint): string {
  const state = STATES[endpoint.state];
  return `<section class="endpoint" data-endpoint="${escapeHtml(endpoint.name)}">
<h2><span style="color:${state.color}">&#9679;</span> ${escapeHtml(endpoint.name)} <small class="state">${state.label}</small></h2>
<p>${percent(endpoint.availability90d, 3)} available over ${endpoint.uptimeDays.length} days (target ${percent(endpoint.availabilityTarget, 2)})</p>
${uptimeBars(endpoint)}
<p class="axis"><span>${day(endpoint.uptimeDays[0]!.day)}</span><span>today</span></p>
<h3>Latency (p95), last 24 hours</h3>
${latencyChart(endpoint)}
${risk(endpoint)}
${episodes(endpoint)}
</section>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
h2{font-size:1.15rem;margin:2rem 0 .25rem}h3{font-size:.9rem;color:#59636e;margin:1rem 0 .25rem}small{color:#59636e;font-weight:normal}
.axis{display:flex;justify-content:space-between;font-size:.8rem;color:#59636e;margin:0}.banner{padding:.75rem 1rem;border-radius:6px;color:#fff}
section{border-bottom:1px solid #d0d7de;padding-bottom:1rem}`;

export function renderStatusPage(data: StatusPageData): string {
  const breached = data.endpoints.filter((e) => e.state === 'BREACHED').length;
  const banner =
    breached === 0
      ? `<p class="banner" style="background:${COLORS.good}">All checks operational</p>`
      : `<p class="banner" style="background:${COLORS.bad}">${breached} of ${data.endpoints.length} checks breaching their SLA</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(data.name)} status</title><style>${STYLE}</style></head><body>
<h1>${escapeHtml(data.name)} status</h1>
${banner}
<p><small>Updated ${minute(data.generatedAt)}. Availability counts minutes within the SLA.</small></p>
${data.endpoints.map(section).join('\n') || '<p>No public checks yet.</p>'}
</body></html>`;
}

export function renderNotFound(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title><style>${STYLE}</style></head><body>
<h1>Not found</h1><p>There is no status page here.</p></body></html>`;
}
