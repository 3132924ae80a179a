import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type http from 'node:http';
import { WebSocketServer } from 'ws';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import { logger } from '../config/logger';
import { UnauthenticatedError } from '../errors/app-errors';
import { toClientError } from '../errors/to-client-error';
import { authenticate, keyFromAuthorization } from '../tenancy/authenticate';
import type { ApiQueues } from '../jobs/api-queues';
import type { Channels } from '../realtime/channels';
import type { RequestContext } from '../tenancy/context';
import type { Principal } from '../tenancy/principal';
import { graphqlOperations } from './metrics';
import { measureOperation } from './query-limits';
import { withoutSuggestions } from './suggestions';
import { payerOf, type RateLimits } from './rate-limits';
import { aliasRefusal, MAX_TOKENS } from './query-gate';
import { requestIdFrom } from './request-id';

/** What a socket keeps after `connection_init`. */
interface SocketState {
  connectionId: string;
  apiKey?: string;
  principal?: Principal | null;
}

/** The key from connection_init: `{ authorization: "Bearer <key>" }` (any case) or `{ apiKey }`. */
function keyFromConnectionParams(params: Record<string, unknown> | undefined): string | undefined {
  if (!params) return undefined;
  const header = Object.entries(params).find(
    ([name]) => name.toLowerCase() === 'authorization',
  )?.[1];
  if (typeof header === 'string') return keyFromAuthorization(header);
  return typeof params.apiKey === 'string' ? params.apiKey : undefined;
}

/**
 * graphql-ws on the same port and path as HTTP. Authenticates in connection_init (no or bad
 * key: close 4403), authenticates again for every subscribe (a key revoked meanwhile stops
 * working), and applies the same validation, depth and cost limits as HTTP.
 */
export function attachGraphqlWs(options: {
  config: Config;
  schema: GraphQLSchema;
  httpServer: http.Server;
  dataSource: DataSource;
  queues: ApiQueues;
  channels: Channels;
  rateLimits: RateLimits;
}): { stop: () => Promise<void> } {
  const { config, schema, dataSource, queues, channels } = options;
  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: config.limits.bodyLimitBytes,
  });
  const rules =
    config.nodeEnv === 'production'
      ? [...specifiedRules, NoSchemaIntrospectionCustomRule]
      : specifiedRules;
  const states = new WeakMap<object, SocketState>();
  const stateOf = (extra: object): SocketState => {
    let state = states.get(extra);
    if (!state) states.set(extra, (state = { connectionId: requestIdFrom(undefined) }));
    return state;
  };

  const server = useServer(
    {
      schema,
      onConnect: async (ctx) => {
        const state = stateOf(ctx.extra);
        state.apiKey = keyFromConnectionParams(ctx.connectionParams);
        state.principal = await authenticate(dataSource, state.apiKey, config.platformKey);
        // false makes graphql-ws close the socket with 4403 Forbidden.
        return state.principal !== null;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const state = stateOf(ctx.extra);
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: MAX_TOKENS });
        } catch (err) {
          return [err as GraphQLError];
        }
        // Before validation, which is quadratic in aliased fields of one name.
        const aliases = aliasRefusal(document, config.limits.maxQueryAliases);
        if (aliases) return [new GraphQLError(aliases.message, { originalError: aliases })];
        const errors = validate(schema, document, rules);
        if (errors.length > 0)
          return config.nodeEnv === 'production' ? withoutSuggestions(errors) : errors;
        const measured = measureOperation(
          config.limits,
          schema,
          document,
          payload.variables ?? undefined,
          payload.operationName,
        );
        if (measured.errors.length > 0) return measured.errors;
        state.principal = await authenticate(dataSource, state.apiKey, config.platformKey);
        if (!state.principal)
          return [new GraphQLError('', { originalError: new UnauthenticatedError() })];
        const clientIp = (ctx.extra as { request?: http.IncomingMessage }).request?.socket
          .remoteAddress;
        try {
          await options.rateLimits.charge(payerOf(state.apiKey, clientIp), measured.cost);
        } catch (err) {
          return [new GraphQLError('', { originalError: err as Error })];
        }
        const contextValue: RequestContext = {
          requestId: state.connectionId,
          principal: state.principal,
          config,
          dataSource,
          queues,
          channels,
          logger: logger.child({ requestId: state.connectionId }),
        };
        return {
          schema,
          document,
          variableValues: payload.variables,
          operationName: payload.operationName,
          contextValue,
        };
      },
      onNext: (ctx, _id, _payload, args, result) => {
        const requestId = stateOf(ctx.extra).connectionId;
        graphqlOperations.inc({
          transport: 'ws',
          type: operationType(args.document),
          outcome: result.errors?.length ? 'error' : 'ok',
        });
        if (!result.errors) return result;
        return {
          ...result,
          errors: result.errors.map((error) => toClientError(error.toJSON(), error, requestId)),
        };
      },
      onError: (ctx, _id, _payload, errors) => {
        const requestId = stateOf(ctx.extra).connectionId;
        graphqlOperations.inc({ transport: 'ws', type: 'unknown', outcome: 'refused' });
        return errors.map((error) => toClientError(error.toJSON(), error, requestId));
      },
    },
    wsServer,
  );

  return {
    stop: async () => {
      await server.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}

function operationType(document: DocumentNode): string {
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
  return operation && 'operation' in operation ? operation.operation : 'unknown';
}
