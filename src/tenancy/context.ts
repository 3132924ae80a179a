import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { ApiQueues } from '../jobs/api-queues';
import type { Channels } from '../realtime/channels';
import { ForbiddenError, UnauthenticatedError } from '../errors/app-errors';
import type { KeyAuthenticator } from './key-cache';
import type { PresentedKey } from './key-secret';
import type { Principal } from './principal';
import { GLOBAL_SCOPE_ID } from '../entities/tenant.entity';

/** What every resolver receives, over HTTP and WebSocket alike. */
export interface RequestContext {
  requestId: string;
  principal: Principal | null;
  config: Config;
  dataSource: DataSource;
  queues: ApiQueues;
  /** Redis pub/sub: what subscriptions listen to. */
  channels: Channels;
  /** This instance's key lookups; a revocation through this instance applies here at once. */
  keys: KeyAuthenticator;
  logger: Logger;
  /** The client's address, for per-IP rate limits (absent for internal operations). */
  clientIp?: string;
  /** The key the request presented, hashed once (HTTP; absent for internal operations). */
  apiKey?: PresentedKey;
  /** When this execution must stop (src/http/execution-deadline.ts); set per operation or event. */
  deadline?: ExecutionDeadline;
}

/** An execution deadline: fields that start at or after `at` fail with EXECUTION_TIMEOUT. */
export interface ExecutionDeadline {
  /** Epoch milliseconds. */
  at: number;
  /** The timeout it came from, for the error message. */
  ms: number;
}

/** The caller's tenant; platform keys have none and get FORBIDDEN. */
export function tenantIdOf(context: RequestContext): string {
  const { principal } = context;
  if (!principal) throw new UnauthenticatedError();
  if (principal.kind !== 'tenant')
    throw new ForbiddenError('Platform keys act on no tenant; use a tenant key.');
  return principal.tenantId;
}

/**
 * The registry scope a caller acts on for models and training: its tenant, or for a platform key
 * the global model's scope.
 */
export function modelScopeOf(context: RequestContext): string {
  const { principal } = context;
  if (!principal) throw new UnauthenticatedError();
  return principal.kind === 'platform' ? GLOBAL_SCOPE_ID : principal.tenantId;
}
