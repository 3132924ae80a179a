import type express from 'express';
import { Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import { AppError, ErrorCode, MissingScopeError, UnauthenticatedError } from '../errors/app-errors';
import { BURN_WINDOWS } from '../telemetry/sla';
import { tenantSlo, type EndpointSlo } from '../telemetry/tenant-slo';
import { authenticate, keyFromAuthorization } from '../tenancy/authenticate';
import { satisfies } from '../tenancy/principal';
import { withTenant } from '../tenancy/with-tenant';

/** The series GET /metrics/tenant exports; deploy/prometheus rules may name only these. */
export const TENANT_SERIES = [
  'sentinel_slo_availability_ratio',
  'sentinel_slo_error_budget_remaining_ratio',
  'sentinel_slo_burn_rate',
  'sentinel_endpoint_breached',
  'sentinel_breach_risk',
  'sentinel_breach_risk_threshold',
] as const;

const BURN_LABELS: Record<keyof typeof BURN_WINDOWS, string> = {
  m5: '5m',
  m30: '30m',
  h1: '1h',
  h6: '6h',
};

/**
 * Formats one tenant's figures in the Prometheus text format. A fresh registry per scrape: the
 * series belong to the scraping key's tenant only, and prom-client escapes label values.
 */
export async function formatTenantMetrics(slos: EndpointSlo[]): Promise<string> {
  const registry = new Registry();
  const labelNames = ['endpoint_id', 'endpoint'] as const;
  const gauge = <L extends string>(name: string, help: string, extra: L[] = []) =>
    new Gauge({ name, help, labelNames: [...labelNames, ...extra], registers: [registry] });
  const availability = gauge(
    'sentinel_slo_availability_ratio',
    'Good minutes / minutes with data over the last 30 UTC days, today included.',
  );
  const budget = gauge(
    'sentinel_slo_error_budget_remaining_ratio',
    '1 = untouched, 0 = spent, below 0 = overspent (30-day budget of bad minutes).',
  );
  const burn = gauge(
    'sentinel_slo_burn_rate',
    'Share of breached minutes over the window / (1 - availability target).',
    ['window'],
  );
  const breached = gauge(
    'sentinel_endpoint_breached',
    '1 when the SLA window ending at the current minute is breached.',
  );
  const risk = gauge(
    'sentinel_breach_risk',
    'Calibrated probability that a breach episode starts within the model horizon.',
  );
  const threshold = gauge(
    'sentinel_breach_risk_threshold',
    'The serving model alert threshold for sentinel_breach_risk.',
  );
  for (const slo of slos) {
    const labels = { endpoint_id: slo.endpointId, endpoint: slo.name };
    // No data is no sample: Prometheus has no null, and 0 would read as a total outage.
    if (slo.availability !== null) availability.set(labels, slo.availability);
    if (slo.errorBudgetRemaining !== null) budget.set(labels, slo.errorBudgetRemaining);
    for (const [key, window] of Object.entries(BURN_LABELS)) {
      const value = slo.burnRates[key as keyof typeof BURN_WINDOWS];
      if (value !== null) burn.set({ ...labels, window }, value);
    }
    breached.set(labels, slo.breachedNow ? 1 : 0);
    if (slo.risk) {
      risk.set(labels, slo.risk.probability);
      threshold.set(labels, slo.risk.threshold);
    }
  }
  return registry.metrics();
}

/**
 * Each tenant's last answer, reused for `tenantMetricsCacheSeconds`; after that, served once more
 * while a fresh one is computed in the background (Prometheus scrapes at a steady pace, so the
 * next scrape gets it). An answer older than four times that is never served: the scrape waits.
 */
export class MetricsCache {
  private readonly entries = new Map<
    string,
    { at: number; text: Promise<string>; refreshing: boolean }
  >();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get(tenantId: string, compute: () => Promise<string>): Promise<string> {
    const now = this.clock();
    const entry = this.entries.get(tenantId);
    const age = entry ? now - entry.at : Infinity;
    if (entry && age < this.ttlMs) return entry.text;
    if (entry && age < 4 * this.ttlMs) {
      if (!entry.refreshing) {
        entry.refreshing = true;
        const text = compute();
        text.then(
          () => this.entries.set(tenantId, { at: this.clock(), text, refreshing: false }),
          () => (entry.refreshing = false),
        );
      }
      return entry.text;
    }
    const text = compute();
    this.entries.set(tenantId, { at: now, text, refreshing: false });
    text.catch(() => this.entries.delete(tenantId));
    return text;
  }
}

/** GET /metrics/tenant: the scraping key's tenant's SLO series. `read` or `admin` keys only. */
export function tenantMetricsRoute(deps: {
  config: Config;
  dataSource: DataSource;
}): express.RequestHandler {
  const cache = new MetricsCache(deps.config.tenantMetricsCacheSeconds * 1000);
  return async (req, res, next) => {
    try {
      const principal = await authenticate(
        deps.dataSource,
        keyFromAuthorization(req.headers.authorization),
        deps.config.platformKey,
      );
      if (!principal) throw new UnauthenticatedError();
      if (principal.kind !== 'tenant' || !satisfies(principal, ['read']))
        throw new MissingScopeError(['read']);
      const { tenantId } = principal;
      const text = await cache.get(tenantId, async () =>
        formatTenantMetrics(
          await withTenant(deps.dataSource, tenantId, (manager) => tenantSlo(manager)),
        ),
      );
      res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.send(text);
    } catch (err) {
      if (!(err instanceof AppError)) return next(err);
      const status = err.code === ErrorCode.UNAUTHENTICATED ? 401 : 403;
      if (status === 401) res.setHeader('www-authenticate', 'Bearer');
      res.status(status).type('text/plain').send(`${err.code}: ${err.message}\n`);
    }
  };
}
