import {
  execute,
  GraphQLError,
  isObjectType,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { ExecutionTimeoutError } from '../errors/app-errors';
import type { ExecutionDeadline, RequestContext } from '../tenancy/context';

const enforced = new WeakSet<GraphQLSchema>();

/**
 * Makes every field of `schema` that has a resolver check its execution's deadline
 * (`context.deadline`) before it resolves: a field that starts after it fails at once with
 * EXECUTION_TIMEOUT, so an operation past its deadline stops instead of running on (a statement
 * already running is bounded by statement_timeout). Resolvers are wrapped in place, once per
 * schema, as Apollo's own plugins do; executions without a deadline in their context are not
 * affected. graphql-js's shared introspection types (`__Schema`, ...) are left alone.
 */
export function enforceFieldDeadlines(schema: GraphQLSchema): void {
  if (enforced.has(schema)) return;
  enforced.add(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      // A field without a resolver of its own reads a property of a row already in memory: it
      // starts no work, and checking the clock for each of a list's fields costs more than it.
      if (!field.resolve) continue;
      const resolve = field.resolve;
      field.resolve = (source, args, context, info) => {
        const deadline = (context as Partial<RequestContext> | undefined)?.deadline;
        if (deadline && Date.now() >= deadline.at) throw new ExecutionTimeoutError(deadline.ms);
        return resolve(source, args, context, info);
      };
    }
  }
}

/** A deadline `timeoutMs` from now. */
export function deadlineIn(timeoutMs: number): ExecutionDeadline {
  return { at: Date.now() + timeoutMs, ms: timeoutMs };
}

/** The answer an operation gets when its deadline passes before it finished. */
function timedOut(timeoutMs: number): ExecutionResult {
  const error = new ExecutionTimeoutError(timeoutMs);
  return { errors: [new GraphQLError(error.message, { originalError: error })] };
}

/**
 * Executes one operation (or one subscription event) under a deadline of its own, in a context
 * of its own that carries it (the schema must have `enforceFieldDeadlines`). With `answerAtDeadline`
 * the caller also gets EXECUTION_TIMEOUT at the deadline even if a field is still waiting (a
 * locked row, a busy pool): that field's result is dropped when it comes. Mutations do not use
 * it: a write that commits after the client was told it timed out would be a lie.
 */
export async function executeWithDeadline(
  args: ExecutionArgs,
  timeoutMs: number,
  answerAtDeadline: boolean,
): Promise<ExecutionResult> {
  const contextValue = { ...(args.contextValue as object), deadline: deadlineIn(timeoutMs) };
  const execution = Promise.resolve(execute({ ...args, contextValue }));
  if (!answerAtDeadline) return execution;
  // execute() reports errors in its result; anything else would be lost after the race.
  execution.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ExecutionResult>((resolve) => {
    timer = setTimeout(() => resolve(timedOut(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([execution, late]);
  } finally {
    clearTimeout(timer);
  }
}
