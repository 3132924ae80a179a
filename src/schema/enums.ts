import { registerEnumType } from 'type-graphql';

/** GraphQL enums mirror the check constraints in migrations/0002. */
export enum HttpMethod {
  GET = 'GET',
  HEAD = 'HEAD',
  POST = 'POST',
  PUT = 'PUT',
  PATCH = 'PATCH',
  DELETE = 'DELETE',
  OPTIONS = 'OPTIONS',
}
registerEnumType(HttpMethod, {
  name: 'HttpMethod',
  description: 'The HTTP method the prober uses.',
});

export enum ApiKeyScope {
  admin = 'admin',
  ingest = 'ingest',
  read = 'read',
}
registerEnumType(ApiKeyScope, {
  name: 'ApiKeyScope',
  description:
    'admin: configure, train, manage keys (and everything else); ingest: write telemetry only; read: queries.',
});
