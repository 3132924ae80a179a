import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type http from 'node:http';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import { logger } from '../config/logger';
import { BadInputError } from '../errors/app-errors';
import { toClientError } from '../errors/to-client-error';
import { keyFromAuthorization } from '../tenancy/authenticate';
import type { KeyAuthenticator } from '../tenancy/key-cache';
import type { ApiQueues } from '../jobs/api-queues';
import type { Channels } from '../realtime/channels';
import type { RequestContext } from '../tenancy/context';
import { graphqlOperations } from './metrics';
import { queryLimitErrors } from './query-limits';
import { currentRequestId } from './request-id';

/** Refuses too deep or too costly operations before they execute. */
function queryLimitsPlugin(config: Config): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const errors = queryLimitErrors(
            config.limits,
            schema,
            document,
            request.variables,
            request.operationName,
          );
          if (errors[0]) throw errors[0];
        },
      };
    },
  };
}

/** A subscription over plain HTTP would run its resolver without an event: say where they go. */
const subscriptionsOverWebSocket: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === 'subscription') {
          throw new BadInputError(
            [
              {
                field: 'operation',
                message:
                  'subscriptions run over the WebSocket on /graphql (graphql-transport-ws), not over HTTP',
              },
            ],
            'SUBSCRIPTION_OVER_HTTP',
          );
        }
      },
    };
  },
};

const metricsPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ operation, errors, response }) {
        // The formatted errors carry our codes; the raw `errors` do not.
        const formatted =
          response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        const code = formatted?.[0]?.extensions?.code;
        graphqlOperations.inc({
          transport: 'http',
          type: operation?.operation ?? 'unknown',
          outcome: typeof code === 'string' ? code : errors?.length ? 'error' : 'ok',
        });
      },
    };
  },
};

/** Apollo Server on POST/GET /graphql, with body limit, CSRF prevention and error masking. */
export async function createGraphqlHttpHandler(options: {
  config: Config;
  schema: GraphQLSchema;
  httpServer: http.Server;
  dataSource: DataSource;
  queues: ApiQueues;
  channels: Channels;
  keys: KeyAuthenticator;
}): Promise<{
  handler: express.RequestHandler[];
  selfCheck: express.RequestHandler;
  stop: () => Promise<void>;
}> {
  const { config, schema, dataSource, queues, channels } = options;
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.nodeEnv !== 'production',
    csrfPrevention: true,
    // We stop Apollo ourselves, in order (src/cli/stop-on-signal.ts); its own handler re-raises the signal.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => toClientError(formatted, error, currentRequestId()),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer }),
      // Apollo's landing page loads from a CDN; Sentinel serves its own explorer (src/http/explorer.ts).
      ApolloServerPluginLandingPageDisabled(),
      queryLimitsPlugin(config),
      subscriptionsOverWebSocket,
      metricsPlugin,
    ],
  });
  await apollo.start();

  const middleware = expressMiddleware(apollo, {
    context: async ({ req }): Promise<RequestContext> => {
      const requestId = currentRequestId();
      const principal = await options.keys.authenticate(
        keyFromAuthorization(req.headers.authorization),
      );
      return {
        requestId,
        principal,
        config,
        dataSource,
        queues,
        channels,
        keys: options.keys,
        logger: logger.child({ requestId }),
      };
    },
  });
  return {
    handler: [express.json({ limit: config.limits.bodyLimitBytes }), middleware],
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
