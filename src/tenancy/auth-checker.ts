import type { AuthChecker } from 'type-graphql';
import { ForbiddenError, UnauthenticatedError } from '../errors/app-errors';
import type { RequestContext } from './context';
import { satisfies, type Requirement } from './principal';

/**
 * type-graphql's `@Authorized(...scopes)` lands here. It throws rather than returning false so
 * the client gets our codes: no key is UNAUTHENTICATED, a key without the scope is FORBIDDEN.
 */
export const authChecker: AuthChecker<RequestContext, Requirement> = ({ context }, allowed) => {
  if (!context.principal) throw new UnauthenticatedError();
  if (!satisfies(context.principal, allowed)) throw new ForbiddenError();
  return true;
};
