import path from 'node:path';

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
  logLevel: string;
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
  };
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
    /** `forecast` fields (each a worker job) in one operation (MAX_FORECASTS_PER_REQUEST). */
    maxForecastsPerRequest: number;
    /** A GraphQL answer larger than this is refused (MAX_RESPONSE_BYTES). */
    maxResponseBytes: number;
    /** Fields not resolved by then fail with EXECUTION_TIMEOUT (GRAPHQL_EXECUTION_TIMEOUT_MS). */
    executionTimeoutMs: number;
    /** Query-cost points per key per minute, across API instances (RATE_LIMIT_KEY_POINTS). */
    rateLimitKeyPointsPerMinute: number;
    /** Query-cost points per client IP per minute, keyless requests (RATE_LIMIT_IP_POINTS). */
    rateLimitIpPointsPerMinute: number;
    /** Training jobs one tenant may have waiting (MAX_QUEUED_TRAINING_PER_TENANT). */
    maxQueuedTrainingPerTenant: number;
  };
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
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
    logLevel: env.LOG_LEVEL ?? 'info',
    dbPoolSize: intFromEnv(env, 'DB_POOL_SIZE', 10),
    workerMetricsPort: env.WORKER_METRICS_PORT
      ? intFromEnv(env, 'WORKER_METRICS_PORT', 0)
      : undefined,
    database: {
      acquireTimeoutMs: intFromEnv(env, 'DB_ACQUIRE_TIMEOUT_MS', 5000),
      statementTimeoutMs: intFromEnv(env, 'DB_STATEMENT_TIMEOUT_MS', 30_000),
      workerStatementTimeoutMs: intFromEnv(env, 'WORKER_DB_STATEMENT_TIMEOUT_MS', 600_000),
      idleInTransactionTimeoutMs: intFromEnv(env, 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 60_000),
    },
    telemetry: {
      retentionDays: intFromEnv(env, 'SAMPLE_RETENTION_DAYS', 90),
      futureSkewSeconds: intFromEnv(env, 'SAMPLE_FUTURE_SKEW_SECONDS', 300),
    },
    jobs: {
      lockMs: intFromEnv(env, 'SENTINEL_JOB_LOCK_MS', 30_000),
      scoringIntervalMs: intFromEnv(env, 'SCORING_INTERVAL_MS', 60_000),
      retrainIntervalMs: intFromEnv(env, 'RETRAIN_INTERVAL_MS', 86_400_000),
    },
    limits: {
      ingestBatchRows: intFromEnv(env, 'MAX_INGEST_BATCH_ROWS', 1000),
      maxIngestBytes: intFromEnv(env, 'MAX_INGEST_BYTES', 2 * 1024 * 1024 * 1024),
      ingestIdleTimeoutMs: intFromEnv(env, 'INGEST_IDLE_TIMEOUT_MS', 15_000),
      ingestRequestTimeoutMs: intFromEnv(env, 'INGEST_REQUEST_TIMEOUT_MS', 900_000),
      ingestConcurrencyPerTenant: intFromEnv(env, 'INGEST_CONCURRENCY_PER_TENANT', 2),
      maxIngestLineBytes: intFromEnv(env, 'MAX_INGEST_LINE_BYTES', 64 * 1024),
      maxQueryDepth: intFromEnv(env, 'MAX_QUERY_DEPTH', 8),
      maxQueryCost: intFromEnv(env, 'MAX_QUERY_COST', 5000),
      bodyLimitBytes: intFromEnv(env, 'MAX_BODY_BYTES', 1024 * 1024),
      maxQueryAliases: intFromEnv(env, 'MAX_QUERY_ALIASES', 50),
      maxForecastsPerRequest: intFromEnv(env, 'MAX_FORECASTS_PER_REQUEST', 2),
      maxResponseBytes: intFromEnv(env, 'MAX_RESPONSE_BYTES', 8 * 1024 * 1024),
      executionTimeoutMs: intFromEnv(env, 'GRAPHQL_EXECUTION_TIMEOUT_MS', 30_000),
      rateLimitKeyPointsPerMinute: intFromEnv(env, 'RATE_LIMIT_KEY_POINTS', 30_000),
      rateLimitIpPointsPerMinute: intFromEnv(env, 'RATE_LIMIT_IP_POINTS', 60_000),
      maxQueuedTrainingPerTenant: intFromEnv(env, 'MAX_QUEUED_TRAINING_PER_TENANT', 3),
    },
  };
}
