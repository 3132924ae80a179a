import { isUuid } from '../services/ids';

/**
 * The documented latency range, in ms: one hour is far beyond any probe or request timeout, and
 * keeps every window sum the feature queries take finite (a finite 1e200 overflowed them). The
 * samples table checks the same range (migrations/0010_hardening.sql).
 */
export const MAX_LATENCY_MS = 3_600_000;

/**
 * The timestamps the contract documents: ISO-8601 / RFC 3339 date and time with an explicit
 * offset (`Z` or `+hh:mm`). Epoch numbers, RFC 2822 dates and zone-less local times are refused:
 * their meaning depends on the parser (and on the server's time zone).
 */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

export const ERROR_KINDS = ['timeout', 'connection', 'tls', 'dns', 'unexpected_status'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** A sample as it arrives (GraphQL, NDJSON or CSV): nothing about it is trusted yet. */
export interface RawSample {
  endpointId?: unknown;
  observedAt?: unknown;
  latencyMs?: unknown;
  statusCode?: unknown;
  errorKind?: unknown;
}

/** A sample that passed every rule, ready to store. */
export interface SampleRow {
  endpointId: string;
  observedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  errorKind: ErrorKind | null;
}

export interface SampleProblem {
  field: string;
  reason: string;
}

export interface Rejection {
  /** Position of the row in the batch (0-based; for CSV, data rows after the header). */
  index: number;
  /** The first problem (kept for clients that read one). */
  field: string;
  reason: string;
  /** Every problem of the row, the first one included. */
  problems: SampleProblem[];
}

export interface ValidationRules {
  /** The tenant's endpoints; anything else (unknown or another tenant's) is refused alike. */
  endpointIds: ReadonlySet<string>;
  now: Date;
  retentionDays: number;
  futureSkewSeconds: number;
}

/** Checks one row against the rules of SPEC section 4; a rejection lists every bad field. */
export function validateSample(
  raw: RawSample,
  index: number,
  rules: ValidationRules,
): SampleRow | Rejection {
  const problems: SampleProblem[] = [];
  const problem = (field: string, reason: string) => problems.push({ field, reason });

  const endpointId = typeof raw.endpointId === 'string' ? raw.endpointId.toLowerCase() : '';
  if (!isUuid(endpointId) || !rules.endpointIds.has(endpointId))
    problem('endpointId', 'unknown endpoint');

  const observedAt =
    typeof raw.observedAt === 'string' && ISO_TIMESTAMP.test(raw.observedAt.trim())
      ? new Date(raw.observedAt.trim())
      : null;
  if (typeof raw.observedAt === 'number') {
    problem('observedAt', 'an epoch number; send an ISO-8601 timestamp with its offset');
  } else if (!observedAt || Number.isNaN(observedAt.getTime())) {
    problem('observedAt', 'not an ISO-8601 timestamp with an offset (e.g. 2026-01-31T12:00:00Z)');
  } else if (observedAt.getTime() < rules.now.getTime() - rules.retentionDays * 86_400_000) {
    problem('observedAt', `older than the retention of ${rules.retentionDays} days`);
  } else if (observedAt.getTime() > rules.now.getTime() + rules.futureSkewSeconds * 1000) {
    problem('observedAt', `more than ${rules.futureSkewSeconds} s in the future`);
  }

  const latencyMs =
    typeof raw.latencyMs === 'string' && raw.latencyMs.trim() !== ''
      ? Number(raw.latencyMs)
      : raw.latencyMs;
  if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs))
    problem('latencyMs', 'not a finite number');
  else if (latencyMs < 0) problem('latencyMs', 'negative');
  else if (latencyMs > MAX_LATENCY_MS)
    problem('latencyMs', `above ${MAX_LATENCY_MS} ms (one hour), the documented maximum`);

  let statusCode: number | null = null;
  if (raw.statusCode !== null && raw.statusCode !== undefined && raw.statusCode !== '') {
    statusCode = Number(raw.statusCode);
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599)
      problem('statusCode', 'not an HTTP status (100-599)');
  }

  let errorKind: ErrorKind | null = null;
  if (raw.errorKind !== null && raw.errorKind !== undefined && raw.errorKind !== '') {
    if (!ERROR_KINDS.includes(raw.errorKind as ErrorKind))
      problem('errorKind', `unknown error kind (one of ${ERROR_KINDS.join(', ')})`);
    else errorKind = raw.errorKind as ErrorKind;
  }

  const [first] = problems;
  if (first) return { index, field: first.field, reason: first.reason, problems };
  return {
    endpointId,
    observedAt: observedAt!,
    latencyMs: latencyMs as number,
    statusCode,
    errorKind,
  };
}

export function isRejection(result: SampleRow | Rejection): result is Rejection {
  return 'reason' in result;
}
