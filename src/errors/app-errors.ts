/** The stable codes clients rely on (SPEC section 8), carried in `extensions.code`. */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  RATE_LIMITED = 'RATE_LIMITED',
  CONFLICT = 'CONFLICT',
  /** Sentinel cannot serve right now (database down or saturated); retry after `retryAfter` s. */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL = 'INTERNAL',
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** A domain error whose message is safe to show to the client. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'A valid API key is required (Authorization: Bearer <key>).') {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'This API key is not allowed to do that.') {
    super(ErrorCode.FORBIDDEN, message);
  }
}

/**
 * A key without the scope an operation needs; the message names that scope, and
 * `extensions.requiredScopes` lists it for programs.
 */
export class MissingScopeError extends ForbiddenError {
  constructor(readonly requiredScopes: readonly string[]) {
    super(missingScopeMessage(requiredScopes));
    Object.assign(this.details, { requiredScopes: [...requiredScopes] });
  }
}

function missingScopeMessage(required: readonly string[]): string {
  const tenant = required.filter((scope) => scope !== 'platform');
  const parts: string[] = [];
  if (tenant.length > 0) {
    const names = tenant.join(' or ');
    const plural = tenant.length > 1 ? 'scopes' : 'scope';
    parts.push(
      tenant.includes('admin')
        ? `a key with the ${names} ${plural}`
        : `a key with the ${names} ${plural} (or admin)`,
    );
  }
  if (required.includes('platform')) parts.push('a platform admin key');
  if (parts.length === 0) parts.push('a tenant key');
  return `This API key is not allowed to do that: it needs ${parts.join(', or ')}.`;
}

/** Also used for other tenants' rows, so a client cannot learn that they exist. */
export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super(ErrorCode.NOT_FOUND, `${what} ${id} was not found.`, { id });
  }
}

export class BadInputError extends AppError {
  constructor(
    readonly fields: FieldProblem[],
    reason?: string,
  ) {
    super(
      ErrorCode.BAD_USER_INPUT,
      `Invalid input: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
      reason ? { fields, reason } : { fields },
    );
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(ErrorCode.CONFLICT, message);
  }
}

/**
 * An error answered with its own HTTP status and a Retry-After header. graphql-js copies
 * `extensions` from the original error and Apollo takes the status and headers from `http`, on
 * HTTP; the REST routes read `httpStatus` and `retryAfter` directly.
 */
abstract class RetryableError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly httpStatus: number,
    readonly retryAfter: number,
    details: Record<string, unknown> = {},
  ) {
    super(code, message, { retryable: true, retryAfter, ...details });
  }

  get extensions(): Record<string, unknown> {
    return {
      http: {
        status: this.httpStatus,
        headers: new Map([['retry-after', String(this.retryAfter)]]),
      },
    };
  }
}

/** Too many requests (or too much work) from one key, IP or tenant; 429. */
export class RateLimitedError extends RetryableError {
  constructor(message: string, retryAfterSeconds: number, details: Record<string, unknown> = {}) {
    super(ErrorCode.RATE_LIMITED, message, 429, Math.max(1, Math.ceil(retryAfterSeconds)), details);
  }
}

/** The database is down, or every connection is busy: a retry shortly will likely succeed; 503. */
export class UnavailableError extends RetryableError {
  constructor(
    message = 'Sentinel cannot serve this right now; retry shortly.',
    retryAfterSeconds = 2,
  ) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, 503, retryAfterSeconds);
  }
}

/**
 * The operation ran past GRAPHQL_EXECUTION_TIMEOUT_MS; the fields left were not resolved. Not
 * retryable as it is: the same operation would run as long again.
 */
export class ExecutionTimeoutError extends AppError {
  constructor(timeoutMs: number) {
    super(
      ErrorCode.BAD_USER_INPUT,
      `The operation ran longer than ${timeoutMs} ms and was stopped; ask for less.`,
      { reason: 'EXECUTION_TIMEOUT' },
    );
  }
}
