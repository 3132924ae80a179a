import type express from 'express';
import { IsNull, type DataSource } from 'typeorm';
import { Endpoint } from '../entities/endpoint.entity';
import { TENANT0_ID } from '../entities/tenant.entity';
import { slaSummary, type SlaSummary } from '../telemetry/sla';
import { withTenant } from '../tenancy/with-tenant';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function state(summary: SlaSummary): { label: string; color: string } {
  if (summary.current.sampleCount === 0) return { label: 'No data', color: '#8a8f98' };
  return summary.breachedNow ? { label: 'SLA breached', color: '#d93f0b' } : { label: 'Operational', color: '#1a7f37' };
}

function render(rows: Array<{ endpoint: Endpoint; summary: SlaSummary }>, at: Date): string {
  const percent = (value: number | null) => (value === null ? '&ndash;' : `${(value * 100).toFixed(3)}%`);
  const body = rows
    .map(({ endpoint, summary }) => {
      const { label, color } = state(summary);
      return `<tr><td>${escapeHtml(endpoint.name)}</td><td><span style="color:${color}">&#9679;</span> ${label}</td>`
        + `<td>${percent(summary.availability)}</td><td>${percent(endpoint.availabilityTarget)}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sentinel status</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.5rem;border-bottom:1px solid #d0d7de}</style>
</head><body>
<h1>Sentinel status</h1>
<p>Sentinel's own health, measured by Sentinel (Tenant0). Updated ${escapeHtml(at.toISOString())}.</p>
<table><thead><tr><th>Check</th><th>Now</th><th>Availability, 30 days</th><th>Target</th></tr></thead>
<tbody>
${body}
</tbody></table>
</body></html>`;
}

/**
 * GET /status: Tenant0's public status page, server-rendered, no scripts and no external assets.
 * Shows Tenant0's active endpoints (Sentinel's own checks) and nothing of any other tenant.
 */
export function statusRoute(dataSource: DataSource): express.RequestHandler {
  return async (_req, res, next) => {
    try {
      const rows = await withTenant(dataSource, TENANT0_ID, async (manager) => {
        const endpoints = await manager.find(Endpoint, { where: { archivedAt: IsNull() }, order: { name: 'ASC' } });
        const summaries = [];
        for (const endpoint of endpoints) summaries.push({ endpoint, summary: await slaSummary(manager, endpoint) });
        return summaries;
      });
      res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      res.type('html').send(render(rows, new Date()));
    } catch (err) {
      next(err);
    }
  };
}
