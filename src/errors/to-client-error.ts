import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import type { ValidationError } from 'class-validator';
import { QueryFailedError } from 'typeorm';
import { logger } from '../config/logger';
import {
  AppError,
  BadInputError,
  ConflictError,
  ErrorCode,
  ForbiddenError,
  type FieldProblem,
} from './app-errors';
import { asUnavailable } from './unavailable';

/** Apollo's own codes for requests refused before execution; all are the client's fault. */
const APOLLO_INPUT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'BAD_REQUEST',
]);

/** class-validator's array size messages say "1 elements"; English says "1 element". */
const ARRAY_SIZE_CONSTRAINTS = new Set(['arrayMinSize', 'arrayMaxSize']);
function grammatical(constraint: string, message: string): string {
  return ARRAY_SIZE_CONSTRAINTS.has(constraint)
    ? message.replace(/\b1 elements$/, '1 element')
    : message;
}

function flattenValidation(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      message: grammatical(constraint, message),
    }));
    return [...own, ...flattenValidation(error.children ?? [], field)];
  });
}

/** Maps any thrown error to a domain error, or undefined if it is an internal fault. */
function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const unavailable = asUnavailable(error);
  if (unavailable) return unavailable;
  if (error instanceof ArgumentValidationError)
    return new BadInputError(
      flattenValidation(error.extensions.validationErrors as ValidationError[]),
    );
  if (error instanceof QueryFailedError) {
    const pgCode = (error.driverError as { code?: string }).code;
    // 42501: RLS `with check` or a missing grant refused the write.
    if (pgCode === '42501') return new ForbiddenError('This write is not allowed for this tenant.');
    if (pgCode === '23505') return new ConflictError('A record with these values already exists.');
    if (pgCode === '23503')
      return new BadInputError([
        { field: 'id', message: 'refers to a record that does not exist' },
      ]);
    if (pgCode === '23514')
      return new BadInputError([{ field: 'input', message: 'violates a database constraint' }]);
  }
  return undefined;
}

/**
 * The one place errors become what the client sees: a stable `extensions.code`, and for anything
 * unexpected a masked message plus the request id under which the details were logged.
 */
export function toClientError(
  formatted: GraphQLFormattedError,
  error: unknown,
  requestId: string,
): GraphQLFormattedError {
  const original =
    error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const appError = toAppError(original);
  if (appError) {
    return {
      ...formatted,
      message: appError.message,
      extensions: { code: appError.code, ...appError.details },
    };
  }
  const apolloCode = formatted.extensions?.code;
  if (typeof apolloCode === 'string' && APOLLO_INPUT_CODES.has(apolloCode)) {
    const reason =
      typeof formatted.extensions?.reason === 'string' ? formatted.extensions.reason : apolloCode;
    return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT, reason } };
  }
  if (error instanceof GraphQLError && !error.originalError && !error.path) {
    // Validation-stage errors (unknown field, depth or cost limit): the client's request is wrong.
    return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT, ...reasonOf(formatted) } };
  }
  logger.error({ err: original, requestId, path: formatted.path }, 'internal error');
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: ErrorCode.INTERNAL, requestId },
  };
}

function reasonOf(formatted: GraphQLFormattedError): Record<string, unknown> {
  const reason = formatted.extensions?.reason;
  return typeof reason === 'string' ? { reason } : {};
}
