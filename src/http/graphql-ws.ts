import {
  getOperationAST,
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
import { WebSocketServer, type WebSocket } from 'ws';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import { logger } from '../config/logger';
import { BadInputError, UnauthenticatedError } from '../errors/app-errors';
import { toClientError } from '../errors/to-client-error';
import { keyFromAuthorization } from '../tenancy/authenticate';
import { PresentedKey } from '../tenancy/key-secret';
import type { KeyAuthenticator } from '../tenancy/key-cache';
import type { ApiQueues } from '../jobs/api-queues';
import type { Channels } from '../realtime/channels';
import type { RequestContext } from '../tenancy/context';
import type { Principal } from '../tenancy/principal';
import { sharedSubscribe } from '../realtime/shared-subscribe';
import { graphqlOperations } from './metrics';
import { measureOperation } from './query-limits';
import { withoutSuggestions } from './suggestions';
import { payerOf, type Payer, type RateLimits } from './rate-limits';
import { REFUSAL_COST } from './query-gate';
import { documentSizeRefusal, MAX_TOKENS } from './document-precheck';
import { requestIdFrom } from './request-id';
import { enforceFieldDeadlines, executeWithDeadline } from './execution-deadline';
import { responseTooLarge, resultBytes } from './response-size';

/** What a socket keeps after `connection_init`. */
interface SocketState {
  connectionId: string;
  apiKey?: PresentedKey;
  principal?: Principal | null;
  /** Ids of this socket's running subscriptions (MAX_SUBSCRIPTIONS_PER_SOCKET caps them). */
  subscriptions: Set<string>;
}

/** The close code graphql-ws uses for a refused key; a revoked key's sockets get it too. */
const FORBIDDEN = 4403;

/** The key from connection_init: `{ authorization: "Bearer <key>" }` (any case) or `{ apiKey }`. */
function keyFromConnectionParams(
  params: Record<string, unknown> | undefined,
): PresentedKey | undefined {
  if (!params) return undefined;
  const header = Object.entries(params).find(
    ([name]) => name.toLowerCase() === 'authorization',
  )?.[1];
  if (typeof header === 'string') return keyFromAuthorization(header);
  return typeof params.apiKey === 'string' ? new PresentedKey(params.apiKey) : undefined;
}

/**
 * graphql-ws on the same port and path as HTTP. Authenticates in connection_init (no or bad
 * key: close 4403), authenticates again for every subscribe (a key revoked meanwhile stops
 * working), closes the open sockets of a revoked key with 4403 (`closeKey`), and applies the same
 * controls as HTTP: a spent key, tenant or address is refused before its document is parsed;
 * the token and alias caps, validation (no suggestions in production), depth and cost limits;
 * the rate budgets, which refusals spend too; the execution deadline, per operation and per
 * subscription event; the response-size cap, per answer and per event. Parsed and validated
 * documents are kept (by query text), so subscribing again with the same document costs no parse
 * or validation.
 */
export function attachGraphqlWs(options: {
  config: Config;
  schema: GraphQLSchema;
  httpServer: http.Server;
  dataSource: DataSource;
  queues: ApiQueues;
  channels: Channels;
  rateLimits: RateLimits;
  keys: KeyAuthenticator;
}): { stop: () => Promise<void>; closeKey: (keyId: string) => number } {
  const { config, schema, dataSource, queues, channels, keys } = options;
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
  const socketsByKey = new Map<string, Set<WebSocket>>();
  const documents = new DocumentCache(
    schema,
    rules,
    config.limits.maxQueryAliases,
    config.nodeEnv === 'production',
  );
  const { executionTimeoutMs, maxResponseBytes } = config.limits;
  const maxSubscriptions = config.limits.maxSubscriptionsPerSocket;
  enforceFieldDeadlines(schema);
  const stateOf = (extra: object): SocketState => {
    let state = states.get(extra);
    if (!state)
      states.set(
        extra,
        (state = { connectionId: requestIdFrom(undefined), subscriptions: new Set() }),
      );
    return state;
  };

  const server = useServer(
    {
      schema,
      // Queries answer EXECUTION_TIMEOUT at their deadline; a mutation runs its started writes out.
      execute: (args) =>
        executeWithDeadline(
          args,
          executionTimeoutMs,
          getOperationAST(args.document, args.operationName)?.operation !== 'mutation',
        ),
      // One execution per event for all subscribers of the same operation in the same tenant,
      // each event under a deadline of its own.
      subscribe: (args) => {
        const { principal } = args.contextValue as RequestContext;
        const audience =
          principal?.kind === 'tenant' ? `${principal.tenantId}:${principal.scope}` : 'platform';
        return sharedSubscribe(args, audience, (event) =>
          executeWithDeadline(event, executionTimeoutMs, true),
        );
      },
      onConnect: async (ctx) => {
        const state = stateOf(ctx.extra);
        state.apiKey = keyFromConnectionParams(ctx.connectionParams);
        state.principal = await keys.authenticate(state.apiKey);
        const keyId = state.principal?.keyId;
        if (keyId) {
          const socket = (ctx.extra as { socket: WebSocket }).socket;
          let sockets = socketsByKey.get(keyId);
          if (!sockets) socketsByKey.set(keyId, (sockets = new Set()));
          sockets.add(socket);
          socket.once('close', () => {
            sockets.delete(socket);
            if (sockets.size === 0 && socketsByKey.get(keyId) === sockets)
              socketsByKey.delete(keyId);
          });
        }
        // false makes graphql-ws close the socket with 4403 Forbidden.
        return state.principal !== null;
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = stateOf(ctx.extra);
        const clientIp = (ctx.extra as { request?: http.IncomingMessage }).request?.socket
          .remoteAddress;
        const payer = (): Payer =>
          payerOf(
            state.apiKey,
            clientIp,
            state.principal?.kind === 'tenant' ? state.principal.tenantId : undefined,
          );
        const refused = (err: unknown) => [new GraphQLError('', { originalError: err as Error })];
        // A spent key, tenant or address costs no parse or validation.
        try {
          options.rateLimits.assertBudgetLeft(payer());
        } catch (err) {
          return refused(err);
        }
        const parsed = documents.get(payload.query);
        if (!('document' in parsed)) {
          // Too many tokens or aliases: refused cheaply, but not for free (as on HTTP).
          if (parsed.chargeable)
            await options.rateLimits.charge(payer(), REFUSAL_COST, false).catch(() => undefined);
          return parsed.errors;
        }
        const { document } = parsed;
        const measured = measureOperation(
          config.limits,
          schema,
          document,
          payload.variables ?? undefined,
          payload.operationName,
        );
        state.principal = await keys.authenticate(state.apiKey);
        if (!state.principal)
          return [new GraphQLError('', { originalError: new UnauthenticatedError() })];
        // A refused operation spends what it asked for: floods of them run out of budget.
        try {
          await options.rateLimits.charge(payer(), measured.cost, measured.errors.length === 0);
        } catch (err) {
          return refused(err);
        }
        if (measured.errors.length > 0) return measured.errors;
        // Each subscription holds server state until it ends: one socket may not pile them up.
        if (getOperationAST(document, payload.operationName)?.operation === 'subscription') {
          if (state.subscriptions.size >= maxSubscriptions)
            return refused(
              new BadInputError(
                [
                  {
                    field: 'subscription',
                    message: `at most ${maxSubscriptions} running subscriptions per connection; complete one or open another connection`,
                  },
                ],
                'TOO_MANY_SUBSCRIPTIONS',
              ),
            );
          state.subscriptions.add(id);
        }
        const contextValue: RequestContext = {
          requestId: state.connectionId,
          principal: state.principal,
          config,
          dataSource,
          queues,
          channels,
          keys,
          logger: logger.child({ requestId: state.connectionId }),
          clientIp,
        };
        return {
          schema,
          document,
          variableValues: payload.variables,
          operationName: payload.operationName,
          contextValue,
        };
      },
      onComplete: (ctx, id) => {
        stateOf(ctx.extra).subscriptions.delete(id);
      },
      onNext: (ctx, _id, _payload, args, result) => {
        const requestId = stateOf(ctx.extra).connectionId;
        // Each answer, and each event of a subscription, is capped like an HTTP answer.
        const bytes = resultBytes(result);
        const tooLarge = bytes > maxResponseBytes;
        graphqlOperations.inc({
          transport: 'ws',
          type: operationType(args.document),
          outcome: tooLarge ? 'RESPONSE_TOO_LARGE' : result.errors?.length ? 'error' : 'ok',
        });
        if (tooLarge) return { errors: [responseTooLarge(bytes, maxResponseBytes)] };
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
    closeKey: (keyId) => {
      const sockets = [...(socketsByKey.get(keyId) ?? [])];
      for (const socket of sockets) socket.close(FORBIDDEN, 'Forbidden');
      return sockets.length;
    },
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

/** A usable document, or why not; `chargeable`: a refusal of size (tokens, aliases). */
type Parsed =
  { document: DocumentNode } | { errors: readonly GraphQLError[]; chargeable?: boolean };

/** Parsed and validated documents by query text, least recently used out first. */
class DocumentCache {
  private readonly entries = new Map<string, Parsed>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: typeof specifiedRules,
    private readonly maxAliases: number,
    /** Production: no "Did you mean" suggestions, which spell out the schema. */
    private readonly hideSuggestions: boolean,
    private readonly capacity = 500,
  ) {}

  get(query: string): Parsed {
    const hit = this.entries.get(query);
    if (hit) {
      this.entries.delete(query);
      this.entries.set(query, hit);
      return hit;
    }
    // Too many tokens or aliases: refused before parsing, and not kept either.
    const refusal = documentSizeRefusal(query, this.maxAliases);
    if (refusal)
      return {
        errors: [new GraphQLError(refusal.message, { originalError: refusal })],
        chargeable: true,
      };
    let entry: Parsed;
    try {
      const document = parse(query, { maxTokens: MAX_TOKENS });
      const errors = validate(this.schema, document, this.rules);
      entry =
        errors.length > 0
          ? { errors: this.hideSuggestions ? withoutSuggestions(errors) : errors }
          : { document };
    } catch (err) {
      // A syntax error is not kept: it costs nothing to find again and could fill the cache.
      return { errors: [err as GraphQLError] };
    }
    this.entries.set(query, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }
}
