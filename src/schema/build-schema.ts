import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { ApiKeyResolver } from '../resolvers/api-key.resolver';
import { EndpointResolver } from '../resolvers/endpoint.resolver';
import { IngestResolver } from '../resolvers/ingest.resolver';
import { MeResolver } from '../resolvers/me.resolver';
import { TelemetryResolver } from '../resolvers/telemetry.resolver';
import { TenantResolver } from '../resolvers/tenant.resolver';
import { authChecker } from '../tenancy/auth-checker';

export const resolvers = [MeResolver, TenantResolver, ApiKeyResolver, EndpointResolver, IngestResolver, TelemetryResolver] as const;

/** The executable schema; `npm run schema:emit` prints it to schema.graphql. */
export async function buildSentinelSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    authChecker,
    // Auth runs before argument validation, so an anonymous caller learns nothing from errors.
    authMode: 'error',
    validate: { forbidUnknownValues: false },
  });
}
