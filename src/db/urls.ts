/** The login role every request and job uses: owns nothing, has no BYPASSRLS. */
export const APP_ROLE = 'sentinel_app';

/** The owner's URL with the app role's credentials instead (same host, port and database). */
export function appDatabaseUrl(ownerUrl: string, appPassword: string): string {
  const url = new URL(ownerUrl);
  url.username = APP_ROLE;
  url.password = encodeURIComponent(appPassword);
  return url.toString();
}

/** The same server with another database name (tests create and drop their own). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
