import crypto from 'node:crypto';

/** The login role every request and job uses: owns nothing, has no BYPASSRLS. */
export const APP_ROLE = 'sentinel_app';

/** The owner's URL with the app role's credentials instead (same host, port and database). */
export function appDatabaseUrl(ownerUrl: string, appPassword: string): string {
  const url = new URL(ownerUrl);
  url.username = APP_ROLE;
  url.password = encodeURIComponent(appPassword);
  return url.toString();
}

/** The role that reads the anonymised aggregate for global training, and nothing else. */
export const PLATFORM_ROLE = 'sentinel_platform';

/**
 * The platform role's password, derived from the app role's: one secret to keep, and a different
 * password per role (knowing the platform password does not give the app role's).
 */
export function platformPassword(appPassword: string): string {
  return crypto.createHmac('sha256', appPassword).update(PLATFORM_ROLE).digest('base64url');
}

/** The owner's URL with the platform role's credentials. */
export function platformDatabaseUrl(ownerUrl: string, appPassword: string): string {
  const url = new URL(ownerUrl);
  url.username = PLATFORM_ROLE;
  url.password = encodeURIComponent(platformPassword(appPassword));
  return url.toString();
}

/** The same server with another database name (tests create and drop their own). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
