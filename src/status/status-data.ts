import crypto from 'node:crypto';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { Endpoint } from '../entities/endpoint.entity';
import { MaintenanceWindow } from '../entities/maintenance-window.entity';
import { Tenant } from '../entities/tenant.entity';
import { latestPrediction, riskLevel, type RiskLevel } from '../scoring/predictions';
import { FRESH_MINUTES } from '../scoring/score-tenant';
import { tenantIdBySlug } from '../services/tenants';
import { breachEpisodes, currentWindow, dailyAvailability } from '../telemetry/sla';
import { telemetrySeries } from '../telemetry/telemetry-series';
import { withTenant } from '../tenancy/with-tenant';
import { mergeEpisodes } from './episodes';

export const UPTIME_DAYS = 90;
const LATENCY_HOURS = 24;
const LATENCY_BUCKET_MINUTES = 15;
/** Breach episodes are found from per-minute flags; a week keeps that cheap (bench/status). */
export const EPISODE_DAYS = 7;
/** Episodes listed per endpoint; the count above the list is the true one. */
export const MAX_EPISODES = 10;

export type EndpointState = 'OPERATIONAL' | 'BREACHED' | 'NO_DATA' | 'MAINTENANCE';

export interface StatusEpisode {
  start: Date;
  end: Date;
  minutes: number;
  /** Stable per episode, and says nothing about the endpoint's id (the Atom feed's entry id). */
  key: string;
}

export interface StatusEndpoint {
  name: string;
  state: EndpointState;
  availabilityTarget: number;
  availability90d: number | null;
  /** Oldest first, one per UTC day; null: no data that day. */
  uptimeDays: Array<{ day: Date; availability: number | null; breachedMinutes: number }>;
  latencyThresholdMs: number;
  /** p95 per 15 minutes over the last 24 hours, oldest first. */
  latency: Array<{ start: Date; p95: number | null }>;
  /** The current forecast, if a model scored the endpoint in the last 15 minutes. */
  risk: {
    /** Calibrated; null when the model had too little data to say. */
    probability: number | null;
    /** The probability as a percentage (one decimal); null with it. */
    percent: number | null;
    /** Against the threshold and the alert's re-arm level (what colours it); null with it. */
    level: RiskLevel | null;
    horizonMinutes: number;
    aboveThreshold: boolean;
    /** The model's alert threshold, which the risk is coloured against. */
    threshold: number;
    minute: Date;
  } | null;
  /** The maintenance window in force now, if any. */
  maintenance: { endsAt: Date; reason: string } | null;
  /** Breach episodes of the last EPISODE_DAYS days (all of them). */
  episodeCount: number;
  /** Newest first, at most MAX_EPISODES of them. */
  episodes: StatusEpisode[];
}

export interface StatusPageData {
  slug: string;
  name: string;
  generatedAt: Date;
  endpoints: StatusEndpoint[];
}

export interface StatusPageOptions {
  /** The oldest page ever served, in ms (STATUS_CACHE_SECONDS, at most a minute). */
  maxAgeMs: number;
}

interface CachedPage {
  at: number;
  /** The tenant's status version and name the page was computed from. */
  version: string;
  name: string;
  page: Promise<StatusPageData>;
  refreshing: boolean;
}
const cache = new Map<string, CachedPage>();

/**
 * What a public status page shows: the tenant's public endpoints only, by name (never URL or id).
 * Null for an unknown slug and for a tenant that has not published its page alike, so the answer
 * tells nobody which tenants exist. The tenant row is read on every call: whether the page is
 * published, its name, and its status version, which the database bumps on every change to its
 * endpoints or maintenance (migrations/0012). A page computed from another version is recomputed
 * at once, so a change shows on every API instance with the next request. Otherwise a page is
 * served for at most `maxAgeMs`, refreshed in the background after half of that, and never older:
 * after a quiet spell the first visitor waits for a fresh page (bench/status: seconds at most).
 */
export async function statusPageData(
  dataSource: DataSource,
  slug: string,
  options: StatusPageOptions,
  now = new Date(),
): Promise<StatusPageData | null> {
  const tenantId = /^[a-z0-9-]{1,40}$/.test(slug) ? await tenantIdBySlug(dataSource, slug) : null;
  if (!tenantId) return null;
  const tenant = await withTenant(dataSource, tenantId, (manager) =>
    manager.findOneByOrFail(Tenant, { id: tenantId }),
  );
  if (!tenant.statusPagePublished) return null;
  const cached = cache.get(tenantId);
  const age = cached ? now.getTime() - cached.at : Infinity;
  if (
    !cached ||
    cached.version !== tenant.statusVersion ||
    cached.name !== tenant.name ||
    age >= options.maxAgeMs
  ) {
    const page = computeStatusPage(dataSource, tenant, now);
    const entry: CachedPage = {
      at: now.getTime(),
      version: tenant.statusVersion,
      name: tenant.name,
      page,
      refreshing: false,
    };
    cache.set(tenantId, entry);
    page.catch(() => {
      if (cache.get(tenantId) === entry) cache.delete(tenantId);
    });
    return page;
  }
  if (age >= options.maxAgeMs / 2 && !cached.refreshing) {
    cached.refreshing = true;
    computeStatusPage(dataSource, tenant, now).then(
      (page) => {
        // A newer version may have landed meanwhile; keep whichever page is newer.
        if (cache.get(tenantId) === cached)
          cache.set(tenantId, {
            ...cached,
            at: now.getTime(),
            page: Promise.resolve(page),
            refreshing: false,
          });
      },
      () => (cached.refreshing = false), // serve the last good page (under maxAge); retry next time
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
    for (const endpoint of endpoints) result.push(await statusEndpoint(manager, endpoint, now));
    return { slug: tenant.slug, name: tenant.name, generatedAt: now, endpoints: result };
  });
}

async function statusEndpoint(
  manager: EntityManager,
  endpoint: Endpoint,
  now: Date,
): Promise<StatusEndpoint> {
  const current = await currentWindow(manager, endpoint, now);
  const uptimeDays = await dailyAvailability(manager, endpoint, UPTIME_DAYS, now);
  const latency = await telemetrySeries(
    manager,
    endpoint.id,
    new Date(now.getTime() - LATENCY_HOURS * 3_600_000),
    now,
    LATENCY_BUCKET_MINUTES,
  );
  // No words: a status page shows the risk, not its explanation.
  const prediction = await latestPrediction(manager, endpoint.id, false);
  const fresh =
    prediction && now.getTime() - prediction.minute.getTime() <= (FRESH_MINUTES + 1) * 60_000
      ? prediction
      : null;
  const runs = await breachEpisodes(
    manager,
    endpoint,
    new Date(now.getTime() - EPISODE_DAYS * 86_400_000),
    now,
  );
  const episodes = mergeEpisodes(runs, endpoint.windowMinutes)
    .reverse()
    .map((e) => ({
      ...e,
      key: crypto
        .createHash('sha256')
        .update(`${endpoint.id}:${e.start.toISOString()}`)
        .digest('hex')
        .slice(0, 32),
    }));
  const maintenance = await manager
    .createQueryBuilder(MaintenanceWindow, 'w')
    .where('(w.endpoint_id = :id or w.endpoint_id is null)', { id: endpoint.id })
    .andWhere('w.starts_at <= :now and w.ends_at > :now', { now })
    .orderBy('w.ends_at', 'DESC')
    .getOne();
  const minutes = uptimeDays.reduce((sum, d) => sum + d.minutes, 0);
  const good = uptimeDays.reduce((sum, d) => sum + (d.availability ?? 0) * d.minutes, 0);
  return {
    name: endpoint.name,
    state: maintenance
      ? 'MAINTENANCE'
      : current.sampleCount === 0
        ? 'NO_DATA'
        : current.breached
          ? 'BREACHED'
          : 'OPERATIONAL',
    availabilityTarget: endpoint.availabilityTarget,
    availability90d: minutes > 0 ? good / minutes : null,
    uptimeDays: uptimeDays.map(({ day, availability, breachedMinutes }) => ({
      day,
      availability,
      breachedMinutes,
    })),
    latencyThresholdMs: endpoint.latencyThresholdMs,
    latency: latency.map((b) => ({ start: b.start, p95: b.latencyP95 })),
    risk: fresh ? publicRisk(fresh) : null,
    maintenance: maintenance ? { endsAt: maintenance.endsAt, reason: maintenance.reason } : null,
    episodeCount: episodes.length,
    episodes: episodes.slice(0, MAX_EPISODES),
  };
}

/** The public part of a fresh prediction; a probability that is not a number is no probability. */
function publicRisk(prediction: {
  probability: number | null;
  horizonMinutes: number;
  aboveThreshold: boolean;
  threshold: number;
  minute: Date;
}): NonNullable<StatusEndpoint['risk']> {
  const probability =
    prediction.probability !== null && Number.isFinite(prediction.probability)
      ? prediction.probability
      : null;
  return {
    probability,
    percent: probability === null ? null : +(probability * 100).toFixed(1),
    level: probability === null ? null : riskLevel(probability, prediction.threshold),
    horizonMinutes: prediction.horizonMinutes,
    aboveThreshold: prediction.aboveThreshold,
    threshold: prediction.threshold,
    minute: prediction.minute,
  };
}
