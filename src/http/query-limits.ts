import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../errors/app-errors';
import { workEstimator } from './query-cost';

export interface QueryLimits {
  maxQueryDepth: number;
  maxQueryCost: number;
  maxForecastsPerRequest: number;
}

function refusal(message: string, reason: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, reason, http: { status: 400 } },
  });
}

/** Refusals only (see measureOperation). */
export function queryLimitErrors(
  limits: QueryLimits,
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined | null,
): GraphQLError[] {
  return measureOperation(limits, schema, document, variables, operationName).errors;
}

/**
 * Depth and cost of an operation, checked before it executes. HTTP (an Apollo plugin) and
 * WebSocket (graphql-ws onSubscribe) both call this, so neither transport is a way around it.
 * Cost: 1 per field, times the page size for connections (see the `complexity` of list fields),
 * and the work of telemetry, forecast and statusPage (src/http/query-cost.ts).
 */
export function measureOperation(
  limits: QueryLimits,
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined | null,
): { errors: GraphQLError[]; cost: number } {
  const refused = (error: GraphQLError) => ({ errors: [error], cost: 0 });
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
    return refused(refusal(tooDeep[0].message.replace(/^Syntax Error: /, ''), 'QUERY_TOO_DEEP'));
  let cost: number;
  const counts = { forecasts: 0 };
  try {
    cost = getComplexity({
      schema,
      query: document,
      variables,
      operationName: operationName ?? undefined,
      estimators: [
        workEstimator(counts),
        fieldExtensionsEstimator(),
        simpleEstimator({ defaultComplexity: 1 }),
      ],
    });
  } catch (err) {
    return refused(refusal((err as Error).message, 'GRAPHQL_VALIDATION_FAILED'));
  }
  const tooCostly = (error: GraphQLError) => ({ errors: [error], cost });
  if (counts.forecasts > limits.maxForecastsPerRequest) {
    return tooCostly(
      refusal(
        `At most ${limits.maxForecastsPerRequest} forecasts per request (${counts.forecasts} asked).`,
        'QUERY_TOO_COSTLY',
      ),
    );
  }
  if (cost > limits.maxQueryCost) {
    return tooCostly(
      refusal(
        `Query cost ${cost} exceeds the limit of ${limits.maxQueryCost}.`,
        'QUERY_TOO_COSTLY',
      ),
    );
  }
  return { errors: [], cost };
}
