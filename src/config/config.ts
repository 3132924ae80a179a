import path from 'node:path';
import ipaddr from 'ipaddr.js';

/** Everything Sentinel reads from the environment, parsed once. */
export interface Config {
  nodeEnv: string;
  port: number;
  /** Where Sentinel itself is reached; Tenant0 probes it here (SENTINEL_PUBLIC_URL). */
  publicUrl: string;
  /** Owner connection (migrations). Unset: the embedded PostgreSQL under dataDir. */
  databaseUrl?: string;
  /** App-role connection. Unset: derived from databaseUrl with the app role's credentials. */
  appDatabaseUrl?: string;
  /** Platform-role connection (global training). Unset: derived like the app role's. */
  platformDatabaseUrl?: string;
  redisUrl?: string;
  dataDir: string;
  embeddedPgPort: number;
  embeddedRedisPort: number;
  /** A platform admin key given by the operator (may create tenants). */
  platformKey?: string;
  logLevel: LogLevel;
  /** Connections per process in the app-role pool. */
  dbPoolSize: number;
  /** Where a worker serves GET /metrics (WORKER_METRICS_PORT); unset: it serves nothing. */
  workerMetricsPort?: number;
  database: {
    /** How long a request waits for a pooled connection before a 503 (DB_ACQUIRE_TIMEOUT_MS). */
    acquireTimeoutMs: number;
    /** statement_timeout of the API's connections (DB_STATEMENT_TIMEOUT_MS). */
    statementTimeoutMs: number;
    /** statement_timeout of the worker's (WORKER_DB_STATEMENT_TIMEOUT_MS): feature windows are long. */
    workerStatementTimeoutMs: number;
    /** idle_in_transaction_session_timeout of every app-role connection. */
    idleInTransactionTimeoutMs: number;
    /** Units of work one tenant may run at once on an API process's pool (DB_CONNECTIONS_PER_TENANT). */
    connectionsPerTenant: number;
  };
  /**
   * Seconds a tenant's /metrics/tenant answer is reused (TENANT_METRICS_CACHE_SECONDS): the
   * figures move once a minute, and a large tenant's scrape costs seconds of PostgreSQL.
   */
  tenantMetricsCacheSeconds: number;
  /**
   * How long an API instance trusts a key lookup (SENTINEL_KEY_CACHE_MS; 0 = look up every
   * request). Revocations reach every instance at once through Redis; this bounds a lost one.
   */
  keyCacheMs: number;
  /** Every Bull key lives under it, so tests (and several Sentinels) share a Redis (SENTINEL_QUEUE_PREFIX). */
  queuePrefix: string;
  /** CIDRs the prober and webhook deliveries may reach although private (PROBE_ALLOW_NETWORKS). */
  probeAllowNetworks: string[];
  /** The global aggregate's guards (GLOBAL_MIN_TENANTS, GLOBAL_MAX_ROWS_PER_TENANT, GLOBAL_MAX_SHARE). */
  globalAggregate: {
    minTenants: number;
    maxRowsPerTenant: number;
    /** The largest share of the aggregate one tenant may hold, in (0, 1]. */
    maxShare: number;
    /** Rows a tenant needs of its own to count towards minTenants (GLOBAL_MIN_ROWS_PER_TENANT). */
    minRowsPerTenant: number;
  };
  /** The oldest a status page is ever served, in seconds, at most 60 (STATUS_CACHE_SECONDS). */
  statusCacheSeconds: number;
  telemetry: {
    /** Raw samples older than this are refused on ingest and dropped by partition. */
    retentionDays: number;
    /** How far in the future a sample's timestamp may lie (clock skew), in seconds. */
    futureSkewSeconds: number;
  };
  jobs: {
    /**
     * How long a worker's lock on a job lasts, and how often stalled jobs are looked for
     * (SENTINEL_JOB_LOCK_MS). A job whose worker died is retried after at most about twice this.
     */
    lockMs: number;
    /** How often every endpoint with an active model is scored (SCORING_INTERVAL_MS). */
    scoringIntervalMs: number;
    /** How often the global model and Tenant0's retrain (RETRAIN_INTERVAL_MS, daily). */
    retrainIntervalMs: number;
    /**
     * The longest one training run may take (TRAINING_TIMEOUT_MS, an hour): past it the training
     * process is stopped and the job FAILED, so a stuck run cannot hold the worker's training queue.
     */
    trainingTimeoutMs: number;
  };
  limits: {
    /** Rows per `ingestSamples` call (POST /ingest has no row limit, only MAX_INGEST_BYTES). */
    ingestBatchRows: number;
    maxIngestBytes: number;
    /** A POST /ingest body that sends nothing for this long is cut off (INGEST_IDLE_TIMEOUT_MS). */
    ingestIdleTimeoutMs: number;
    /** A whole POST /ingest, upload and storage, takes at most this long (INGEST_REQUEST_TIMEOUT_MS). */
    ingestRequestTimeoutMs: number;
    /** Uploads of one tenant at once, per API process (INGEST_CONCURRENCY_PER_TENANT). */
    ingestConcurrencyPerTenant: number;
    /** Longest NDJSON line or CSV record (MAX_INGEST_LINE_BYTES). */
    maxIngestLineBytes: number;
    maxQueryDepth: number;
    maxQueryCost: number;
    bodyLimitBytes: number;
    /** Aliased fields in one operation (MAX_QUERY_ALIASES). */
    maxQueryAliases: number;
    /** Running subscriptions on one WebSocket connection (MAX_SUBSCRIPTIONS_PER_SOCKET). */
    maxSubscriptionsPerSocket: number;
    /** `forecast` fields (each a worker job) in one operation (MAX_FORECASTS_PER_REQUEST). */
    maxForecastsPerRequest: number;
    /** A GraphQL answer larger than this is refused (MAX_RESPONSE_BYTES). */
    maxResponseBytes: number;
    /** Fields not resolved by then fail with EXECUTION_TIMEOUT (GRAPHQL_EXECUTION_TIMEOUT_MS). */
    executionTimeoutMs: number;
    /** Query-cost points per key per minute, across API instances (RATE_LIMIT_KEY_POINTS). */
    rateLimitKeyPointsPerMinute: number;
    /** Query-cost points all keys of one tenant share per minute (RATE_LIMIT_TENANT_POINTS). */
    rateLimitTenantPointsPerMinute: number;
    /** Query-cost points per client IP per minute, keyless requests (RATE_LIMIT_IP_POINTS). */
    rateLimitIpPointsPerMinute: number;
    /** Query-cost points per client IP per minute, keyed requests; 0: none (RATE_LIMIT_IP_KEYED_POINTS). */
    rateLimitIpKeyedPointsPerMinute: number;
    /** Every per-minute budget is also spread over windows this long; 60: off (RATE_LIMIT_BURST_SECONDS). */
    rateLimitBurstSeconds: number;
    /** Longest a 429 to an already spent budget is held before it is sent; 0: none (RATE_LIMIT_HOLD_MS). */
    rateLimitHoldMs: number;
    /** 429s held at once per API process; more are sent at once (RATE_LIMIT_MAX_HELD). */
    rateLimitMaxHeld: number;
    /** Training jobs one tenant may have waiting (MAX_QUEUED_TRAINING_PER_TENANT). */
    maxQueuedTrainingPerTenant: number;
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function intFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < min || value > max) {
    const what = min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
    const most = max === Number.MAX_SAFE_INTEGER ? '' : ` and at most ${max}`;
    throw new Error(`${name} must be ${what}${most}, got "${raw}"`);
  }
  return value;
}

/**
 * The longest delay a Node timer takes (a longer one fires at once), and the largest
 * statement_timeout PostgreSQL takes: every duration in milliseconds is bounded by it.
 */
const MAX_TIMER_MS = 2_147_483_647;

/** A duration in milliseconds: an integer from `min` up to what a timer can wait. */
function msFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  return intFromEnv(env, name, fallback, min, MAX_TIMER_MS);
}

/** A number in (0, 1]. */
function fractionFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !(value > 0 && value <= 1)) {
    throw new Error(`${name} must be a number in (0, 1], got "${raw}"`);
  }
  return value;
}

/** CIDRs separated by commas; each must parse, so a typo fails at start, not at the first probe. */
function networksFromEnv(env: NodeJS.ProcessEnv, name: string): string[] {
  const networks = (env[name] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  for (const cidr of networks) {
    if (!ipaddr.isValidCIDR(cidr)) throw new Error(`${name}: "${cidr}" is not a CIDR`);
  }
  return networks;
}

/**
 * STATUS_CACHE_SECONDS, validated (0: recompute every time). Exported for the status page cache,
 * which is module-wide.
 */
export function statusCacheSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = intFromEnv(env, 'STATUS_CACHE_SECONDS', 60, 0);
  // Pages are promised to be at most a minute old (docs/OPERATIONS.md).
  if (seconds > 60) throw new Error(`STATUS_CACHE_SECONDS must be at most 60, got "${seconds}"`);
  return seconds;
}

/** LOG_LEVEL, validated. Exported for the process-wide logger, which exists before any config. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = env.LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw))
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return raw as LogLevel;
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT === '0' ? 0 : intFromEnv(env, 'PORT', 4000);
  return {
    nodeEnv: env.NODE_ENV ?? 'development',
    port,
    publicUrl: (env.SENTINEL_PUBLIC_URL ?? `http://127.0.0.1:${port || 4000}`).replace(/\/+$/, ''),
    databaseUrl: optional(env, 'DATABASE_URL'),
    appDatabaseUrl: optional(env, 'APP_DATABASE_URL'),
    platformDatabaseUrl: optional(env, 'PLATFORM_DATABASE_URL'),
    redisUrl: optional(env, 'REDIS_URL'),
    dataDir: path.resolve(env.SENTINEL_DATA_DIR ?? '.data'),
    embeddedPgPort: intFromEnv(env, 'SENTINEL_EMBEDDED_PG_PORT', 54329),
    embeddedRedisPort: intFromEnv(env, 'SENTINEL_EMBEDDED_REDIS_PORT', 63799),
    platformKey: optional(env, 'SENTINEL_PLATFORM_KEY'),
    logLevel: logLevelFromEnv(env),
    dbPoolSize: intFromEnv(env, 'DB_POOL_SIZE', 10),
    workerMetricsPort: env.WORKER_METRICS_PORT
      ? intFromEnv(env, 'WORKER_METRICS_PORT', 0)
      : undefined,
    database: {
      acquireTimeoutMs: msFromEnv(env, 'DB_ACQUIRE_TIMEOUT_MS', 5000),
      statementTimeoutMs: msFromEnv(env, 'DB_STATEMENT_TIMEOUT_MS', 30_000),
      workerStatementTimeoutMs: msFromEnv(env, 'WORKER_DB_STATEMENT_TIMEOUT_MS', 600_000),
      idleInTransactionTimeoutMs: msFromEnv(env, 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 60_000),
      // Half the pool: one tenant's burst leaves the other half to everyone else.
      connectionsPerTenant: intFromEnv(
        env,
        'DB_CONNECTIONS_PER_TENANT',
        Math.max(1, Math.floor(intFromEnv(env, 'DB_POOL_SIZE', 10) / 2)),
      ),
    },
    tenantMetricsCacheSeconds: intFromEnv(env, 'TENANT_METRICS_CACHE_SECONDS', 30, 0),
    keyCacheMs: msFromEnv(env, 'SENTINEL_KEY_CACHE_MS', 10_000, 0),
    queuePrefix: optional(env, 'SENTINEL_QUEUE_PREFIX') ?? 'sentinel',
    probeAllowNetworks: networksFromEnv(env, 'PROBE_ALLOW_NETWORKS'),
    globalAggregate: {
      minTenants: intFromEnv(env, 'GLOBAL_MIN_TENANTS', 3),
      maxRowsPerTenant: intFromEnv(env, 'GLOBAL_MAX_ROWS_PER_TENANT', 200_000),
      maxShare: fractionFromEnv(env, 'GLOBAL_MAX_SHARE', 0.25),
      minRowsPerTenant: intFromEnv(env, 'GLOBAL_MIN_ROWS_PER_TENANT', 1000),
    },
    statusCacheSeconds: statusCacheSecondsFromEnv(env),
    telemetry: {
      retentionDays: intFromEnv(env, 'SAMPLE_RETENTION_DAYS', 90),
      futureSkewSeconds: intFromEnv(env, 'SAMPLE_FUTURE_SKEW_SECONDS', 300),
    },
    jobs: {
      lockMs: msFromEnv(env, 'SENTINEL_JOB_LOCK_MS', 30_000),
      scoringIntervalMs: msFromEnv(env, 'SCORING_INTERVAL_MS', 60_000),
      retrainIntervalMs: msFromEnv(env, 'RETRAIN_INTERVAL_MS', 86_400_000),
      trainingTimeoutMs: msFromEnv(env, 'TRAINING_TIMEOUT_MS', 3_600_000),
    },
    limits: {
      ingestBatchRows: intFromEnv(env, 'MAX_INGEST_BATCH_ROWS', 1000),
      maxIngestBytes: intFromEnv(env, 'MAX_INGEST_BYTES', 2 * 1024 * 1024 * 1024),
      ingestIdleTimeoutMs: msFromEnv(env, 'INGEST_IDLE_TIMEOUT_MS', 15_000),
      ingestRequestTimeoutMs: msFromEnv(env, 'INGEST_REQUEST_TIMEOUT_MS', 900_000),
      ingestConcurrencyPerTenant: intFromEnv(env, 'INGEST_CONCURRENCY_PER_TENANT', 2),
      maxIngestLineBytes: intFromEnv(env, 'MAX_INGEST_LINE_BYTES', 64 * 1024),
      maxQueryDepth: intFromEnv(env, 'MAX_QUERY_DEPTH', 8),
      maxQueryCost: intFromEnv(env, 'MAX_QUERY_COST', 5000),
      bodyLimitBytes: intFromEnv(env, 'MAX_BODY_BYTES', 1024 * 1024),
      maxQueryAliases: intFromEnv(env, 'MAX_QUERY_ALIASES', 50),
      maxSubscriptionsPerSocket: intFromEnv(env, 'MAX_SUBSCRIPTIONS_PER_SOCKET', 100),
      maxForecastsPerRequest: intFromEnv(env, 'MAX_FORECASTS_PER_REQUEST', 2),
      maxResponseBytes: intFromEnv(env, 'MAX_RESPONSE_BYTES', 8 * 1024 * 1024),
      executionTimeoutMs: msFromEnv(env, 'GRAPHQL_EXECUTION_TIMEOUT_MS', 30_000),
      rateLimitKeyPointsPerMinute: intFromEnv(env, 'RATE_LIMIT_KEY_POINTS', 30_000),
      rateLimitTenantPointsPerMinute: intFromEnv(env, 'RATE_LIMIT_TENANT_POINTS', 60_000),
      rateLimitIpPointsPerMinute: intFromEnv(env, 'RATE_LIMIT_IP_POINTS', 60_000),
      rateLimitIpKeyedPointsPerMinute: intFromEnv(env, 'RATE_LIMIT_IP_KEYED_POINTS', 300_000, 0),
      rateLimitBurstSeconds: Math.min(60, intFromEnv(env, 'RATE_LIMIT_BURST_SECONDS', 10)),
      rateLimitHoldMs: msFromEnv(env, 'RATE_LIMIT_HOLD_MS', 1000, 0),
      rateLimitMaxHeld: intFromEnv(env, 'RATE_LIMIT_MAX_HELD', 1000),
      maxQueuedTrainingPerTenant: intFromEnv(env, 'MAX_QUEUED_TRAINING_PER_TENANT', 3),
    },
  };
}
