import type { DataSource } from 'typeorm';
import type { Logger } from '../config/logger';
import { ForbiddenError, UnauthenticatedError } from '../errors/app-errors';
import type { Principal } from './principal';

/** What every resolver receives, over HTTP and WebSocket alike. */
export interface RequestContext {
  requestId: string;
  principal: Principal | null;
  dataSource: DataSource;
  logger: Logger;
}

/** The caller's tenant; platform keys have none and get FORBIDDEN. */
export function tenantIdOf(context: RequestContext): string {
  const { principal } = context;
  if (!principal) throw new UnauthenticatedError();
  if (principal.kind !== 'tenant') throw new ForbiddenError('Platform keys act on no tenant; use a tenant key.');
  return principal.tenantId;
}
