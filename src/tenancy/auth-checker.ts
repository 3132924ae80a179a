import type { AuthChecker } from 'type-graphql';
import { MissingScopeError, UnauthenticatedError } from '../errors/app-errors';
import type { RequestContext } from './context';
import { satisfies, type Requirement } from './principal';

/**
 * Throws rather than returning false so the client gets our codes: no key is UNAUTHENTICATED, a
 * key without the scope is FORBIDDEN, naming the scope. Subscriptions call it once when they start.
 */
export function requireScope(context: RequestContext, allowed: readonly Requirement[]): void {
  if (!context.principal) throw new UnauthenticatedError();
  if (!satisfies(context.principal, allowed)) throw new MissingScopeError(allowed);
}

/** type-graphql's `@Authorized(...scopes)` lands here. */
export const authChecker: AuthChecker<RequestContext, Requirement> = ({ context }, allowed) => {
  requireScope(context, allowed);
  return true;
};
