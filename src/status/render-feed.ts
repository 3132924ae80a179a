import { escapeHtml, minute } from './render-status';
import type { StatusPageData } from './status-data';

/** Entries in the feed: the newest breach episodes across the page's endpoints. */
const MAX_ENTRIES = 50;

/**
 * The page's incidents as an Atom 1.0 feed (RFC 4287): one entry per breach episode of a public
 * endpoint in the last week, newest first. Entry ids hash the endpoint's id with the episode's
 * start, so they stay put across renames and reveal no id. `pageUrl` is the page's absolute URL.
 */
export function renderAtomFeed(data: StatusPageData, pageUrl: string): string {
  const entries = data.endpoints
    .flatMap((endpoint) => endpoint.episodes.map((episode) => ({ endpoint, episode })))
    .sort((a, b) => b.episode.start.getTime() - a.episode.start.getTime())
    .slice(0, MAX_ENTRIES);
  const updated = entries.reduce(
    (latest, { episode }) => (episode.end > latest ? episode.end : latest),
    entries.length > 0 ? entries[0]!.episode.end : data.generatedAt,
  );
  const items = entries.map(({ endpoint, episode }) => {
    const title = `${endpoint.name}: SLA breach, ${episode.minutes} breached minute${episode.minutes === 1 ? '' : 's'}`;
    const summary = `${endpoint.name} breached its SLA from ${minute(episode.start)} to ${minute(new Date(episode.end.getTime() + 60_000))} (${episode.minutes} breached minutes).`;
    return `  <entry>
    <id>urn:sentinel:incident:${episode.key}</id>
    <title>${escapeHtml(title)}</title>
    <published>${episode.start.toISOString()}</published>
    <updated>${episode.end.toISOString()}</updated>
    <link rel="alternate" type="text/html" href="${escapeHtml(pageUrl)}"/>
    <summary type="text">${escapeHtml(summary)}</summary>
  </entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${escapeHtml(pageUrl)}</id>
  <title>${escapeHtml(data.name)} status: incidents</title>
  <updated>${updated.toISOString()}</updated>
  <author><name>${escapeHtml(data.name)}</name></author>
  <link rel="self" type="application/atom+xml" href="${escapeHtml(`${pageUrl}/feed.atom`)}"/>
  <link rel="alternate" type="text/html" href="${escapeHtml(pageUrl)}"/>
  <generator>Sentinel</generator>
${items.join('\n')}
</feed>
`;
}
