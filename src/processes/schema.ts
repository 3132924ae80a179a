// The composition root of the GraphQL API: the one place that names every resolver.
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { ApiKeyResolver } from '../resolvers/api-key.resolver';
import { EndpointResolver } from '../resolvers/endpoint.resolver';
import { HerdResolver } from '../resolvers/herd.resolver';
import { IngestResolver } from '../resolvers/ingest.resolver';
import { MaintenanceResolver } from '../resolvers/maintenance.resolver';
import { MeResolver } from '../resolvers/me.resolver';
import { ModelResolver } from '../resolvers/model.resolver';
import { RiskResolver } from '../resolvers/risk.resolver';
import { StatusPageResolver } from '../resolvers/status-page.resolver';
import { TelemetryResolver } from '../resolvers/telemetry.resolver';
import { TenantResolver } from '../resolvers/tenant.resolver';
import { TrainingResolver } from '../resolvers/training.resolver';
import { WebhookResolver } from '../resolvers/webhook.resolver';
import { authChecker } from '../tenancy/auth-checker';

export const resolvers = [
  MeResolver,
  TenantResolver,
  ApiKeyResolver,
  EndpointResolver,
  IngestResolver,
  TelemetryResolver,
  TrainingResolver,
  ModelResolver,
  RiskResolver,
  WebhookResolver,
  MaintenanceResolver,
  StatusPageResolver,
  HerdResolver,
] as const;

/**
 * type-graphql insists on a pubSub once there are subscriptions. Ours never use it: each brings
 * its own `subscribe` over Redis (src/realtime/channels.ts), with catch-up from PostgreSQL, so
 * that any API instance serves events any worker publishes. A topic-based subscription would
 * land here and fail loudly.
 */
const noTopicPubSub: PubSub = {
  publish: () => {
    throw new Error('topic subscriptions are not used: subscribe through src/realtime/channels.ts');
  },
  subscribe: () => {
    throw new Error('topic subscriptions are not used: subscribe through src/realtime/channels.ts');
  },
};

/** The executable schema; `npm run schema:emit` prints it to schema.graphql. */
export async function buildSentinelSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    authChecker,
    // Auth runs before argument validation, so an anonymous caller learns nothing from errors.
    authMode: 'error',
    pubSub: noTopicPubSub,
    validate: { forbidUnknownValues: false },
  });
}
