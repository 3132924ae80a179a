import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import bodyParser from 'body-parser';
import type express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import { logger } from '../config/logger';
import { AppError, RateLimitedError } from '../errors/app-errors';
import { toClientError } from '../errors/to-client-error';
import { asUnavailable } from '../errors/unavailable';
import { keyFromAuthorization } from '../tenancy/authenticate';
import type { KeyAuthenticator } from '../tenancy/key-cache';
import type { PresentedKey } from '../tenancy/key-secret';
import type { ApiQueues } from '../jobs/api-queues';
import type { Channels } from '../realtime/channels';
import type { RequestContext } from '../tenancy/context';
import {
  executionTimeoutPlugin,
  MeasuredAnswers,
  metricsPlugin,
  notCachedPlugin,
  queryLimitsPlugin,
  responseSizePlugin,
  retryablePlugin,
  subscriptionsOverWebSocket,
} from './apollo-plugins';
import { httpErrorAnswer, type HttpError } from './app';
import { enforceFieldDeadlines } from './execution-deadline';
import { QueryGate, requestPayer } from './query-gate';
import { RefusalHold } from './refusal-hold';
import type { RateLimits } from './rate-limits';
import { currentRequestId } from './request-id';

/** A /graphql request handler on node:http. */
export type GraphqlRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** Our refusals before Apollo, in GraphQL's error shape (429 with Retry-After, or 400). */
function sendRefusal(res: ServerResponse, err: AppError, headers: Record<string, string> = {}) {
  const limited = err instanceof RateLimitedError;
  sendJson(
    res,
    limited ? 429 : 400,
    { errors: [{ message: err.message, extensions: { code: err.code, ...err.details } }] },
    limited ? { ...headers, 'retry-after': String(err.retryAfter) } : headers,
  );
}

/** Apollo's view of a node request: its headers joined as Apollo's own integrations join them. */
function apolloRequest(req: IncomingMessage, search: string, body: unknown): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers))
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  return { method: req.method!.toUpperCase(), headers, search, body };
}

/**
 * Apollo Server on POST/GET /graphql, with body limit, CSRF prevention and error masking, served
 * straight from node:http: express's routing and response helpers cost more than the rest of a
 * small read (docs/DECISIONS.md, "GraphQL over plain node:http").
 */
export async function createGraphqlHttpHandler(options: {
  config: Config;
  schema: GraphQLSchema;
  httpServer: Server;
  dataSource: DataSource;
  queues: ApiQueues;
  channels: Channels;
  rateLimits: RateLimits;
  keys: KeyAuthenticator;
}): Promise<{
  route: GraphqlRoute;
  selfCheck: express.RequestHandler;
  stop: () => Promise<void>;
}> {
  const { config, schema, dataSource, queues, channels } = options;
  enforceFieldDeadlines(schema);
  const answers = new MeasuredAnswers();
  const apollo = new ApolloServer<RequestContext>({
    schema,
    stringifyResult: answers.stringify,
    introspection: config.nodeEnv !== 'production',
    // No "Did you mean ..." field suggestions in production: they spell out the schema.
    hideSchemaDetailsFromClientErrors: config.nodeEnv === 'production',
    csrfPrevention: true,
    // We stop Apollo ourselves, in order (src/cli/stop-on-signal.ts); its own handler re-raises the signal.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => toClientError(formatted, error, currentRequestId()),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer }),
      // Apollo's landing page loads from a CDN; Sentinel serves its own explorer (src/http/explorer.ts).
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      notCachedPlugin,
      queryLimitsPlugin(config, options.rateLimits),
      subscriptionsOverWebSocket,
      executionTimeoutPlugin(config.limits.executionTimeoutMs),
      metricsPlugin,
      retryablePlugin,
      responseSizePlugin(config.limits.maxResponseBytes, answers),
    ],
  });
  await apollo.start();

  const gate = new QueryGate(config, options.rateLimits);
  const hold = new RefusalHold(config.limits.rateLimitHoldMs, config.limits.rateLimitMaxHeld);
  const parseJson = bodyParser.json({ limit: config.limits.bodyLimitBytes });
  const readJson = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<unknown>((resolve, reject) =>
      parseJson(req, res, (err?: unknown) =>
        err ? reject(err) : resolve((req as { body?: unknown }).body),
      ),
    );
  const contextOf = async (
    req: IncomingMessage,
    apiKey: PresentedKey | undefined,
  ): Promise<RequestContext> => {
    const requestId = currentRequestId();
    // A database that is down or saturated answers 503 (retryable), not a masked 500.
    const principal = await options.keys.authenticate(apiKey).catch((err: unknown) => {
      throw asUnavailable(err) ?? err;
    });
    return {
      requestId,
      principal,
      apiKey,
      config,
      dataSource,
      queues,
      channels,
      keys: options.keys,
      logger: logger.child({ requestId }),
      clientIp: req.socket.remoteAddress,
    };
  };

  const route: GraphqlRoute = async (req, res) => {
    try {
      const apiKey = keyFromAuthorization(req.headers.authorization);
      const payer = requestPayer(req, apiKey, options.keys);
      try {
        gate.assertBudgetLeft(payer);
      } catch (err) {
        // Refused before the body is read; the unread body is not drained: the connection closes.
        // A flood retrying the moment it is answered is slowed down first (RefusalHold).
        if (!(err instanceof RateLimitedError)) throw err;
        await hold.wait(req, err.retryAfter * 1000);
        if (!req.socket.destroyed) sendRefusal(res, err, { connection: 'close' });
        return;
      }
      const queryAt = req.url!.indexOf('?');
      const search = queryAt < 0 ? '' : req.url!.slice(queryAt);
      const body = req.method === 'POST' ? await readJson(req, res) : undefined;
      const query =
        req.method === 'POST'
          ? (body as { query?: unknown } | undefined)?.query
          : new URLSearchParams(search).get('query');
      try {
        await gate.check(query, payer);
      } catch (err) {
        if (err instanceof AppError) return sendRefusal(res, err);
        throw err;
      }
      const answer = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: apolloRequest(req, search, body),
        context: () => contextOf(req, apiKey),
      });
      for (const [key, value] of answer.headers) res.setHeader(key, value);
      res.statusCode = answer.status ?? 200;
      if (answer.body.kind === 'complete') {
        res.end(answer.body.string);
        return;
      }
      for await (const chunk of answer.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      const { status, body } = httpErrorAnswer(err as HttpError, logger);
      sendJson(res, status, body);
    }
  };

  return {
    route,
    // GET /healthz/graphql: one trivial operation through Apollo's whole pipeline (Tenant0 probes it).
    selfCheck: async (_req, res) => {
      const response = await apollo.executeOperation(
        { query: '{ __typename }' },
        {
          contextValue: {
            requestId: 'self-check',
            principal: null,
            config,
            dataSource,
            queues,
            channels,
            keys: options.keys,
            logger,
          },
        },
      );
      const ok = response.body.kind === 'single' && !response.body.singleResult.errors;
      res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'failing' });
    },
    stop: () => apollo.stop(),
  };
}
