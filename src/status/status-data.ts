import { IsNull, type DataSource } from 'typeorm';
import { statusCacheSecondsFromEnv } from '../config/config';
import { Endpoint } from '../entities/endpoint.entity';
import { Tenant } from '../entities/tenant.entity';
import { latestPrediction, type RiskLevel } from '../scoring/predictions';
import { FRESH_MINUTES } from '../scoring/score-tenant';
import { tenantIdBySlug } from '../services/tenants';
import { breachEpisodes, currentWindow, dailyAvailability } from '../telemetry/sla';
import { telemetrySeries } from '../telemetry/telemetry-series';
import { withTenant } from '../tenancy/with-tenant';

export const UPTIME_DAYS = 90;
const LATENCY_HOURS = 24;
const LATENCY_BUCKET_MINUTES = 15;
/** Breach episodes are found from per-minute flags; a week keeps that cheap (bench/status). */
export const EPISODE_DAYS = 7;
const MAX_EPISODES = 10;

export type EndpointState = 'OPERATIONAL' | 'BREACHED' | 'NO_DATA';

export interface StatusEndpoint {
  name: string;
  state: EndpointState;
  availabilityTarget: number;
  availability90d: number | null;
  /** Oldest first, one per UTC day; null: no data that day. */
  uptimeDays: Array<{ day: Date; availability: number | null }>;
  latencyThresholdMs: number;
  /** p95 per 15 minutes over the last 24 hours, oldest first. */
  latency: Array<{ start: Date; p95: number | null }>;
  /** The current forecast, if a model scored the endpoint in the last 15 minutes. */
  risk: {
    /** Calibrated; null when the minute stands on too little data (`insufficientData`). */
    probability: number | null;
    threshold: number;
    /** Against the threshold: only BELOW is green. */
    level: RiskLevel | null;
    insufficientData: string | null;
    horizonMinutes: number;
    aboveThreshold: boolean;
    minute: Date;
  } | null;
  /** Newest first, the last EPISODE_DAYS days, at most 10. */
  episodes: Array<{ start: Date; end: Date; minutes: number }>;
}

export interface StatusPageData {
  slug: string;
  name: string;
  generatedAt: Date;
  endpoints: StatusEndpoint[];
}

/** Seconds before a computed page is recomputed (STATUS_CACHE_SECONDS); publishing and withdrawing are immediate. */
const CACHE_MS = statusCacheSecondsFromEnv() * 1000;
const cache = new Map<string, { at: number; page: Promise<StatusPageData>; refreshing: boolean }>();

/**
 * What a public status page shows: the tenant's public endpoints only, by name (never URL or id).
 * Null for an unknown slug and for a tenant that has not published its page alike, so the answer
 * tells nobody which tenants exist. Whether the page is published is checked on every call. The
 * page itself costs seconds over 90 days of rollups (bench/status), so it is computed once per
 * tenant and then served stale-while-revalidate: a page older than STATUS_CACHE_SECONDS is
 * recomputed in the background while visitors keep getting the previous one. Only the very first
 * visitor of a tenant's page (per API process) waits.
 */
export async function statusPageData(
  dataSource: DataSource,
  slug: string,
  now = new Date(),
): Promise<StatusPageData | null> {
  const tenantId = /^[a-z0-9-]{1,40}$/.test(slug) ? await tenantIdBySlug(dataSource, slug) : null;
  if (!tenantId) return null;
  const tenant = await withTenant(dataSource, tenantId, (manager) =>
    manager.findOneByOrFail(Tenant, { id: tenantId }),
  );
  if (!tenant.statusPagePublished) return null;
  const cached = cache.get(tenantId);
  if (!cached) {
    const page = computeStatusPage(dataSource, tenant, now);
    cache.set(tenantId, { at: now.getTime(), page, refreshing: false });
    page.catch(() => cache.delete(tenantId));
    return page;
  }
  if (now.getTime() - cached.at >= CACHE_MS && !cached.refreshing) {
    cached.refreshing = true;
    computeStatusPage(dataSource, tenant, now).then(
      (page) =>
        cache.set(tenantId, { at: now.getTime(), page: Promise.resolve(page), refreshing: false }),
      () => (cached.refreshing = false), // keep serving the last good page; try again next time
    );
  }
  return cached.page;
}

/** Forgets every computed page, as a restarted API process would (bench/status measures that). */
export function forgetStatusPages(): void {
  cache.clear();
}

async function computeStatusPage(
  dataSource: DataSource,
  tenant: Tenant,
  now: Date,
): Promise<StatusPageData> {
  return withTenant(dataSource, tenant.id, async (manager) => {
    const endpoints = await manager.find(Endpoint, {
      where: { public: true, archivedAt: IsNull() },
      order: { name: 'ASC' },
    });
    const result: StatusEndpoint[] = [];
    for (const endpoint of endpoints) {
      const current = await currentWindow(manager, endpoint, now);
      const uptimeDays = await dailyAvailability(manager, endpoint, UPTIME_DAYS, now);
      const latency = await telemetrySeries(
        manager,
        endpoint.id,
        new Date(now.getTime() - LATENCY_HOURS * 3_600_000),
        now,
        LATENCY_BUCKET_MINUTES,
      );
      const prediction = await latestPrediction(manager, endpoint.id);
      const fresh =
        prediction && now.getTime() - prediction.minute.getTime() <= (FRESH_MINUTES + 1) * 60_000
          ? prediction
          : null;
      const episodes = await breachEpisodes(
        manager,
        endpoint,
        new Date(now.getTime() - EPISODE_DAYS * 86_400_000),
        now,
      );
      const minutes = uptimeDays.reduce((sum, d) => sum + d.minutes, 0);
      const good = uptimeDays.reduce((sum, d) => sum + (d.availability ?? 0) * d.minutes, 0);
      result.push({
        name: endpoint.name,
        state:
          current.sampleCount === 0 ? 'NO_DATA' : current.breached ? 'BREACHED' : 'OPERATIONAL',
        availabilityTarget: endpoint.availabilityTarget,
        availability90d: minutes > 0 ? good / minutes : null,
        uptimeDays: uptimeDays.map(({ day, availability }) => ({ day, availability })),
        latencyThresholdMs: endpoint.latencyThresholdMs,
        latency: latency.map((b) => ({ start: b.start, p95: b.latencyP95 })),
        risk: fresh
          ? {
              probability: fresh.probability,
              threshold: fresh.threshold,
              level: fresh.level,
              insufficientData: fresh.insufficientData,
              horizonMinutes: fresh.horizonMinutes,
              aboveThreshold: fresh.aboveThreshold,
              minute: fresh.minute,
            }
          : null,
        episodes: episodes.reverse().slice(0, MAX_EPISODES),
      });
    }
    return { slug: tenant.slug, name: tenant.name, generatedAt: now, endpoints: result };
  });
}
