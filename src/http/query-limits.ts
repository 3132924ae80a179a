import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../errors/app-errors';

export interface QueryLimits {
  maxQueryDepth: number;
  maxQueryCost: number;
}

function refusal(message: string, reason: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, reason, http: { status: 400 } },
  });
}

/**
 * Depth and cost of an operation, checked before it executes. HTTP (an Apollo plugin) and
 * WebSocket (graphql-ws onSubscribe) both call this, so neither transport is a way around it.
 * Cost: 1 per field, times the page size for connections (see the `complexity` of list fields).
 */
export function queryLimitErrors(
  limits: QueryLimits,
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined | null,
): GraphQLError[] {
  const tooDeep: GraphQLError[] = [];
  validate(schema, document, [
    maxDepthRule({
      n: limits.maxQueryDepth,
      ignoreIntrospection: true,
      flattenFragments: true,
      exposeLimits: true,
      // Collect the refusal here rather than have the rule throw out of validate().
      propagateOnRejection: false,
      onReject: [(_context, error) => tooDeep.push(error)],
    }),
  ]);
  if (tooDeep[0])
    return [refusal(tooDeep[0].message.replace(/^Syntax Error: /, ''), 'QUERY_TOO_DEEP')];
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      variables,
      operationName: operationName ?? undefined,
      estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch (err) {
    return [refusal((err as Error).message, 'GRAPHQL_VALIDATION_FAILED')];
  }
  if (cost > limits.maxQueryCost) {
    return [
      refusal(
        `Query cost ${cost} exceeds the limit of ${limits.maxQueryCost}.`,
        'QUERY_TOO_COSTLY',
      ),
    ];
  }
  return [];
}
