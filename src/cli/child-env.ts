import type { BackingServices } from '../runtime/backing-services';

/** What each child of `sentinel start` runs as. */
export type ChildRole = 'api' | 'worker';

/** Variables that carry database credentials; a child gets only those its role needs. */
const CREDENTIAL_VARIABLES = ['DATABASE_URL', 'APP_DATABASE_URL', 'PLATFORM_DATABASE_URL'];

/**
 * The environment of an `api` or `worker` child: the parent's, without any database credential,
 * plus the app role's URL and Redis. Only the worker (which trains the global model) gets the
 * platform role's URL; neither ever gets the owner's (a superuser by default), which only
 * migrations need and the parent has already run.
 */
export function childEnvironment(
  role: ChildRole,
  services: Pick<BackingServices, 'appDatabaseUrl' | 'platformDatabaseUrl' | 'redisUrl'>,
  parent: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...parent };
  for (const name of CREDENTIAL_VARIABLES) delete env[name];
  env.APP_DATABASE_URL = services.appDatabaseUrl;
  env.REDIS_URL = services.redisUrl;
  if (role === 'worker') env.PLATFORM_DATABASE_URL = services.platformDatabaseUrl;
  return env;
}
