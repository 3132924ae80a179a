import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config';
import { accessLogger, type Logger } from '../config/logger';
import { jsonErrorHandler, metricsRoute, observeRequests } from '../http/app';
import { createGraphqlHttpHandler } from '../http/graphql-http';
import { attachGraphqlWs } from '../http/graphql-ws';
import { explorerRoutes, wantsExplorer } from '../http/explorer';
import { healthRoutes } from '../http/health';
import { ingestRoute } from '../http/ingest-route';
import { RateLimits } from '../http/rate-limits';
import { addressGate } from '../http/query-gate';
import { STATUS_PAGE_COST } from '../http/query-cost';
import { tenantMetricsRoute } from '../http/tenant-metrics';
import { RequestSampleRecorder } from '../http/request-samples';
import { openApiQueues } from '../jobs/api-queues';
import { reportedBackend } from '../jobs/backend-report';
import { registerScoringMetrics } from '../jobs/scoring-report';
import { metricsRegistry } from '../http/metrics';
import { syncProbeSchedule } from '../jobs/probe-jobs';
import { useQueuePrefix } from '../jobs/queues';
import { Channels } from '../realtime/channels';
import { buildSentinelSchema } from './schema';
import { statusRoute } from '../status/status-route';
import { ensureSelfMonitoring } from '../telemetry/self-monitoring';
import { KEY_REVOKED_CHANNEL, KeyAuthenticator, type KeyRevoked } from '../tenancy/key-cache';
import { limitTenantConcurrency } from '../tenancy/tenant-slots';
import { openConnections, type ServiceUrls } from './connections';

/** Any request to /graphql but a browser asking for the explorer page (which express serves). */
function isGraphqlOperation(req: http.IncomingMessage): boolean {
  return req.url!.split('?', 1)[0] === '/graphql' && !wantsExplorer(req);
}

export interface RunningApi {
  /** http://127.0.0.1:<port> */
  url: string;
  stop: () => Promise<void>;
}

/** The API process: HTTP and WebSocket on one port, /graphql for both, plus health and metrics. */
export async function startApi(
  config: Config,
  urls: ServiceUrls,
  logger: Logger,
): Promise<RunningApi> {
  useQueuePrefix(config.queuePrefix);
  // Requests never wait long for a connection, nor hold one in a stalled statement or transaction.
  const connections = await openConnections(urls, logger, config.dbPoolSize, {
    acquireTimeoutMs: config.database.acquireTimeoutMs,
    statementTimeoutMs: config.database.statementTimeoutMs,
    idleInTransactionTimeoutMs: config.database.idleInTransactionTimeoutMs,
  });
  const { dataSource, redis } = connections;
  // One tenant's burst (many aliased fields, many requests) leaves connections for the others.
  limitTenantConcurrency(
    dataSource,
    config.database.connectionsPerTenant,
    config.database.acquireTimeoutMs,
  );
  const schema = await buildSentinelSchema();
  const queues = openApiQueues(urls.redisUrl);
  const channels = new Channels(urls.redisUrl, redis, logger);
  const keys = new KeyAuthenticator(dataSource, config.platformKey, config.keyCacheMs);

  const app = express();
  app.disable('x-powered-by');
  // No ETag: every answer but the explorer's static assets (which set their own) says no-store.
  app.set('etag', false);
  // Its request handler is attached below, once every route exists (before it listens).
  const httpServer = http.createServer();
  const rateLimits = new RateLimits(redis, config.limits);
  const graphqlHttp = await createGraphqlHttpHandler({
    config,
    schema,
    httpServer,
    dataSource,
    queues,
    channels,
    rateLimits,
    keys,
  });
  const graphqlWs = attachGraphqlWs({
    config,
    schema,
    httpServer,
    dataSource,
    queues,
    channels,
    rateLimits,
    keys,
  });
  // A key revoked through any instance stops here at once and its open sockets close (4403).
  const stopRevocations = await channels.subscribe(KEY_REVOKED_CHANNEL, (message) => {
    const { keyId } = message as KeyRevoked;
    keys.revoke(keyId);
    const closed = graphqlWs.closeKey(keyId);
    if (closed > 0) logger.info({ keyId, closed }, 'closed the sockets of a revoked key');
  });

  await ensureSelfMonitoring(dataSource, config.publicUrl, (endpoint) =>
    syncProbeSchedule(queues.probes, endpoint),
  );
  const requestSamples = new RequestSampleRecorder({ config, dataSource, queues, logger });
  const observe = observeRequests(accessLogger, (latencyMs, status) =>
    requestSamples.record(latencyMs, status),
  );
  // The API never loads TensorFlow; it reports the backend the workers said they run.
  app.use(
    healthRoutes({
      dataSource,
      redis,
      details: async () => ({ process: 'api', tensorflow: await reportedBackend(redis) }),
    }),
  );
  app.get('/healthz/graphql', graphqlHttp.selfCheck);
  const statusOptions = {
    publicUrl: config.publicUrl,
    maxAgeMs: config.statusCacheSeconds * 1000,
  };
  // The feeds first: /status/:slug would otherwise take /status/feed.atom as a slug.
  app.get(
    ['/status/feed.atom', '/status/:slug/feed.atom'],
    addressGate(rateLimits, STATUS_PAGE_COST),
    statusRoute(dataSource, { ...statusOptions, feed: true }),
  );
  app.get(
    ['/status', '/status/:slug'],
    addressGate(rateLimits, STATUS_PAGE_COST),
    statusRoute(dataSource, statusOptions),
  );
  const stopScoringMetrics = registerScoringMetrics(metricsRegistry, redis);
  app.get('/metrics', metricsRoute());
  app.get('/metrics/tenant', tenantMetricsRoute({ config, dataSource }));
  app.use(explorerRoutes());
  app.post('/ingest', ingestRoute({ config, dataSource, queues, logger, keys, rateLimits }));
  app.use(jsonErrorHandler(logger));
  // GraphQL operations go straight to Apollo on node:http; pages, health, metrics, ingestion and
  // the explorer to express. Every request is observed (request id, access log, latency) first.
  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) =>
    observe(req, res, () => {
      if (isGraphqlOperation(req)) void graphqlHttp.route(req, res);
      else app(req, res);
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  logger.info({ port }, `Sentinel API listening on http://localhost:${port}/graphql`);

  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await stopRevocations();
      stopScoringMetrics();
      await graphqlWs.stop();
      // Apollo's drain plugin closes the HTTP server after in-flight requests finish.
      await graphqlHttp.stop();
      await requestSamples.stop();
      await channels.close();
      await queues.close();
      await connections.close();
      logger.info('api stopped');
    },
  };
}
