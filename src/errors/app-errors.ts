/** The stable codes clients rely on (SPEC section 8), carried in `extensions.code`. */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  RATE_LIMITED = 'RATE_LIMITED',
  CONFLICT = 'CONFLICT',
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
