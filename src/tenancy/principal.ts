import type { ApiKeyScope } from '../entities/api-key.entity';

/** Who is calling: a tenant's API key, or a platform admin key (which belongs to no tenant). */
export type Principal =
  | { kind: 'tenant'; tenantId: string; keyId: string; scope: ApiKeyScope }
  | { kind: 'platform'; keyId: string | null };

/** The scopes an operation accepts; `admin` keys may do everything their tenant may. */
export type Requirement = ApiKeyScope | 'platform';

/** An empty `allowed` list means any tenant key, whatever its scope. */
export function satisfies(principal: Principal, allowed: readonly Requirement[]): boolean {
  if (principal.kind === 'platform') return allowed.includes('platform');
  if (allowed.length === 0) return true;
  // `admin` stands in for any tenant scope, never for `platform`.
  return allowed.some(
    (scope) => scope !== 'platform' && (principal.scope === 'admin' || scope === principal.scope),
  );
}
