import type { ApiKey } from '../entities/api-key.entity';
import type { Endpoint } from '../entities/endpoint.entity';
import type { IssuedKey } from '../services/api-keys';
import type { TenantView } from '../services/tenants';
import type { ApiKeyType, CreatedApiKey } from './api-key.types';
import type { EndpointType } from './endpoint.types';
import type { ApiKeyScope, HttpMethod } from './enums';
import type { TenantType } from './tenant.types';

/** Entities (rows) to GraphQL objects: the schema never exposes a column by accident. */
export function toTenantType(tenant: TenantView): TenantType {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    createdAt: tenant.createdAt,
    statusPagePublished: tenant.statusPagePublished,
    contributesToGlobal: tenant.contributesToGlobal,
    featureFlags: tenant.featureFlags,
    falseAlertBudget: tenant.falseAlertBudget,
    autoRetrain: tenant.autoRetrain,
    retrainEveryDays: tenant.retrainEveryDays,
  };
}

export function toApiKeyType(key: ApiKey): ApiKeyType {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scope: key.scope as ApiKeyScope,
    createdAt: key.createdAt,
    revokedAt: key.revokedAt,
  };
}

export function toCreatedApiKey(issued: IssuedKey): CreatedApiKey {
  return { apiKey: toApiKeyType(issued.apiKey), secret: issued.secret };
}

export function toEndpointType(endpoint: Endpoint): EndpointType {
  return {
    id: endpoint.id,
    name: endpoint.name,
    url: endpoint.url,
    method: endpoint.method as HttpMethod,
    expectedStatusCodes: endpoint.expectedStatusCodes,
    probeEnabled: endpoint.probeEnabled,
    public: endpoint.public,
    probeIntervalSeconds: endpoint.probeIntervalSeconds,
    timeoutMs: endpoint.timeoutMs,
    sla: {
      latencyThresholdMs: endpoint.latencyThresholdMs,
      latencyPercentile: endpoint.latencyPercentile,
      errorRateThreshold: endpoint.errorRateThreshold,
      windowMinutes: endpoint.windowMinutes,
      availabilityTarget: endpoint.availabilityTarget,
    },
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
    archivedAt: endpoint.archivedAt,
  };
}
