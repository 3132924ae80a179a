import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, FormattedExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import type { Config } from '../config/config';
import { BadInputError, ErrorCode } from '../errors/app-errors';
import type { RequestContext } from '../tenancy/context';
import { deadlineIn } from './execution-deadline';
import { graphqlOperations } from './metrics';
import { measureOperation } from './query-limits';
import { payerOf, type RateLimits } from './rate-limits';
import { responseTooLarge } from './response-size';

/*
 * Apollo Server plugins of the HTTP transport: the query limits and their charge, the execution
 * deadline, the response-size cap, the status codes of retryable errors, metrics and no-store.
 */

/** Operations and variables remembered per document; past it that document's entries start over. */
const MAX_MEASURES_PER_DOCUMENT = 64;
/** Longer scalar variables (as JSON) are measured every time rather than kept as a cache key. */
const MAX_KEY_CHARS = 1024;

/**
 * The cache key of an operation and its variables, or undefined when the variables hold objects
 * or lists (mutation inputs, ingested samples: large, and seldom repeated as they are).
 */
function measureKey(
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined | null,
): string | undefined {
  for (const name in variables) {
    const value = variables[name];
    if (typeof value === 'object' && value !== null) return undefined;
  }
  const key = `${operationName ?? ''}\u0000${JSON.stringify(variables ?? null)}`;
  return key.length <= MAX_KEY_CHARS ? key : undefined;
}

/**
 * measureOperation, remembered for operations it lets through. Apollo's document store hands out
 * the same parsed and validated DocumentNode for the same query text, so a repeated operation with
 * the same variables is measured once (a validate() pass and a complexity walk saved per request).
 * Refusals are measured every time: they are rare, and their errors are not shared between
 * requests. The cost depends on the document, the operation and the variables only (the schema
 * and the limits are fixed for the server's life).
 */
function measuredOnce(
  config: Config,
): (
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined | null,
) => { errors: GraphQLError[]; cost: number } {
  const byDocument = new WeakMap<DocumentNode, Map<string, number>>();
  return (schema, document, variables, operationName) => {
    const key = measureKey(variables, operationName);
    const known = byDocument.get(document);
    const cost = key === undefined ? undefined : known?.get(key);
    if (cost !== undefined) return { errors: [], cost };
    const measured = measureOperation(config.limits, schema, document, variables, operationName);
    if (measured.errors.length === 0 && key !== undefined) {
      const costs = known && known.size < MAX_MEASURES_PER_DOCUMENT ? known : new Map();
      costs.set(key, measured.cost);
      byDocument.set(document, costs);
    }
    return measured;
  };
}

/**
 * Refuses too deep or too costly operations before they execute, then charges their cost to the
 * caller's key, tenant and address budgets (429 RATE_LIMITED with Retry-After when spent).
 */
export function queryLimitsPlugin(
  config: Config,
  rateLimits: RateLimits,
): ApolloServerPlugin<RequestContext> {
  const measure = measuredOnce(config);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, contextValue }) {
          const { errors, cost } = measure(
            schema,
            document,
            request.variables,
            request.operationName,
          );
          const { principal } = contextValue;
          const payer = payerOf(
            contextValue.apiKey,
            contextValue.clientIp,
            principal?.kind === 'tenant' ? principal.tenantId : undefined,
          );
          // A refused operation spends what it asked for: floods of them run out of budget.
          await rateLimits.charge(payer, cost, errors.length === 0);
          if (errors[0]) throw errors[0];
        },
      };
    },
  };
}

/**
 * An execution deadline: fields that start resolving after it fail at once with
 * EXECUTION_TIMEOUT, so a slow operation ends instead of running on (each statement is bounded
 * by statement_timeout as well). The check itself is in the schema's resolvers
 * (enforceFieldDeadlines), shared with WebSocket operations.
 */
export function executionTimeoutPlugin(timeoutMs: number): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart({ contextValue }) {
          contextValue.deadline = deadlineIn(timeoutMs);
        },
      };
    },
  };
}

/**
 * The JSON of answers measured by responseSizePlugin, kept for Apollo's serialisation
 * (`stringifyResult`) so that an answer is not stringified twice. Keyed by the answer's `data`
 * and checked against its `errors` and `extensions`: if anything replaced them after the
 * measurement, the answer is stringified afresh.
 */
export class MeasuredAnswers {
  private readonly texts = new WeakMap<
    object,
    { errors: unknown; extensions: unknown; text: string }
  >();

  /** The answer as Apollo sends it (its field order, a final newline). */
  text(result: FormattedExecutionResult): string {
    const { errors, data, extensions } = result;
    const text = JSON.stringify({ errors, data, extensions }) + '\n';
    if (data) this.texts.set(data, { errors, extensions, text });
    return text;
  }

  /** Apollo's `stringifyResult`: the measured JSON when it is still the answer's. */
  readonly stringify = (result: FormattedExecutionResult): string => {
    const known = result.data ? this.texts.get(result.data) : undefined;
    if (known && known.errors === result.errors && known.extensions === result.extensions)
      return known.text;
    return JSON.stringify(result) + '\n';
  };
}

/** Answers larger than the limit are replaced by a refusal, rather than built up and sent. */
export function responseSizePlugin(
  maxBytes: number,
  answers: MeasuredAnswers,
): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          // Less the final newline: the size of the JSON itself.
          const bytes = Buffer.byteLength(answers.text(response.body.singleResult)) - 1;
          if (bytes <= maxBytes) return;
          response.http.status = 400;
          response.body.singleResult = { errors: [responseTooLarge(bytes, maxBytes)] };
        },
      };
    },
  };
}

/** A subscription over plain HTTP would run its resolver without an event: say where they go. */
export const subscriptionsOverWebSocket: ApolloServerPlugin<RequestContext> = {
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

export const metricsPlugin: ApolloServerPlugin<RequestContext> = {
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

/**
 * Errors that ask the client to retry get their HTTP status and Retry-After even when they were
 * mapped from a database error (not thrown as such): 503 SERVICE_UNAVAILABLE, 429 RATE_LIMITED.
 */
export const retryablePlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const errors = response.body.singleResult.errors ?? [];
        const retryable = errors.find(
          (e) =>
            e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE ||
            e.extensions?.code === ErrorCode.RATE_LIMITED,
        );
        if (!retryable) return;
        response.http.status = retryable.extensions?.code === ErrorCode.RATE_LIMITED ? 429 : 503;
        const after = retryable.extensions?.retryAfter;
        response.http.headers.set('retry-after', String(typeof after === 'number' ? after : 2));
      },
    };
  },
};

/**
 * Every answer is one tenant's own data: no cache may keep it. Apollo's cache-control plugin
 * said the same (`no-store`, as no field has a cache hint), but at a cost on every field of every
 * answer; it is disabled and the header set here.
 */
export const notCachedPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        response.http.headers.set('cache-control', 'no-store');
      },
    };
  },
};
