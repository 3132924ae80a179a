import { isUuid } from '../services/ids';

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

export interface Rejection {
  /** Position of the row in the batch (0-based; for CSV, data rows after the header). */
  index: number;
  field: string;
  reason: string;
}

export interface ValidationRules {
  /** The tenant's endpoints; anything else (unknown or another tenant's) is refused alike. */
  endpointIds: ReadonlySet<string>;
  now: Date;
  retentionDays: number;
  futureSkewSeconds: number;
}

/** Checks one row against the rules of SPEC section 4; the reason names the first bad field. */
export function validateSample(
  raw: RawSample,
  index: number,
  rules: ValidationRules,
): SampleRow | Rejection {
  const reject = (field: string, reason: string): Rejection => ({ index, field, reason });

  const endpointId = typeof raw.endpointId === 'string' ? raw.endpointId.toLowerCase() : '';
  if (!isUuid(endpointId) || !rules.endpointIds.has(endpointId))
    return reject('endpointId', 'unknown endpoint');

  const observedAt =
    typeof raw.observedAt === 'string' || typeof raw.observedAt === 'number'
      ? new Date(raw.observedAt)
      : null;
  if (!observedAt || Number.isNaN(observedAt.getTime()))
    return reject('observedAt', 'not an ISO-8601 timestamp');
  const oldest = rules.now.getTime() - rules.retentionDays * 86_400_000;
  if (observedAt.getTime() < oldest)
    return reject('observedAt', `older than the retention of ${rules.retentionDays} days`);
  if (observedAt.getTime() > rules.now.getTime() + rules.futureSkewSeconds * 1000) {
    return reject('observedAt', `more than ${rules.futureSkewSeconds} s in the future`);
  }

  const latencyMs =
    typeof raw.latencyMs === 'string' && raw.latencyMs.trim() !== ''
      ? Number(raw.latencyMs)
      : raw.latencyMs;
  if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs))
    return reject('latencyMs', 'not a finite number');
  if (latencyMs < 0) return reject('latencyMs', 'negative');

  let statusCode: number | null = null;
  if (raw.statusCode !== null && raw.statusCode !== undefined && raw.statusCode !== '') {
    statusCode = Number(raw.statusCode);
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599)
      return reject('statusCode', 'not an HTTP status (100-599)');
  }

  let errorKind: ErrorKind | null = null;
  if (raw.errorKind !== null && raw.errorKind !== undefined && raw.errorKind !== '') {
    if (!ERROR_KINDS.includes(raw.errorKind as ErrorKind))
      return reject('errorKind', `unknown error kind (one of ${ERROR_KINDS.join(', ')})`);
    errorKind = raw.errorKind as ErrorKind;
  }

  return { endpointId, observedAt, latencyMs, statusCode, errorKind };
}

export function isRejection(result: SampleRow | Rejection): result is Rejection {
  return 'reason' in result;
}
