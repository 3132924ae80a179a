import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ApiKeyScope } from '../../src/entities/api-key.entity';
import { createApiKey } from '../../src/services/api-keys';
import type { NewEndpoint } from '../../src/services/endpoints';
import { createTenant } from '../../src/services/tenants';
import { withTenant } from '../../src/tenancy/with-tenant';

export interface TestTenant {
  id: string;
  slug: string;
  adminKey: string;
  /** Issues another key of this tenant with the given scope. */
  key(scope: ApiKeyScope): Promise<string>;
}

/** A fresh tenant with a unique slug and its admin key; tests never share tenants. */
export async function makeTenant(dataSource: DataSource, prefix = 't'): Promise<TestTenant> {
  const slug = `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
  const { tenant, adminKey } = await createTenant(dataSource, { slug, name: slug });
  return {
    id: tenant.id,
    slug,
    adminKey: adminKey.secret,
    key: async (scope) =>
      (
        await withTenant(dataSource, tenant.id, (m) =>
          createApiKey(m, tenant.id, { name: scope, scope }),
        )
      ).secret,
  };
}

export const CREATE_ENDPOINT = /* GraphQL */ `
  mutation Create($input: CreateEndpointInput!) {
    createEndpoint(input: $input) {
      id
      name
      url
      method
      expectedStatusCodes
      probeEnabled
      probeIntervalSeconds
      timeoutMs
      sla {
        latencyThresholdMs
        latencyPercentile
        errorRateThreshold
        windowMinutes
        availabilityTarget
      }
      archivedAt
    }
  }
`;

export function endpointInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'checkout',
    url: 'https://shop.example.com/health',
    sla: { latencyThresholdMs: 300 },
    ...overrides,
  };
}

/** A passive endpoint for the domain functions (createEndpoint), without GraphQL. */
export const NEW_ENDPOINT: NewEndpoint = {
  name: 'checkout',
  url: 'https://shop.example.com/health',
  method: 'GET',
  expectedStatusCodes: [200],
  probeEnabled: false,
  public: false,
  probeIntervalSeconds: 60,
  timeoutMs: 5000,
  sla: {
    latencyThresholdMs: 300,
    latencyPercentile: 95,
    errorRateThreshold: 0.05,
    windowMinutes: 5,
    availabilityTarget: 0.999,
  },
};
