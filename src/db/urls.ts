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
 * The platform password installations made before it had a secret of its own used: derived from
 * the app role's, so anyone holding that could compute it. Kept only so that those installations
 * (whose role has this password) keep working; new ones generate an independent secret
 * (src/runtime/secrets.ts). Rotate by setting `platformDbPassword` and the role's password.
 */
export function legacyPlatformPassword(appPassword: string): string {
  return crypto.createHmac('sha256', appPassword).update(PLATFORM_ROLE).digest('base64url');
}

/** The owner's URL with the platform role's credentials. */
export function platformDatabaseUrl(ownerUrl: string, platformPassword: string): string {
  const url = new URL(ownerUrl);
  url.username = PLATFORM_ROLE;
  url.password = encodeURIComponent(platformPassword);
  return url.toString();
}

/** The same server with another database name (tests create and drop their own). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
