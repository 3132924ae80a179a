import type { Endpoint } from '../../src/entities/endpoint.entity';
import type { ApiFixture } from './api';
import { endpointWithHistory } from './history';

export const PUBLIC_NAME = 'Public checkout API';
export const PRIVATE_NAME = 'Secret billing backend';

/**
 * The fixture's tenant with two endpoints with two days of history: a public one with an error
 * burst 20 hours ago (so one day is below its target), and a private one that must never show.
 */
export async function endpointsForStatusPage(
  fx: ApiFixture,
): Promise<{ publicEndpoint: Endpoint; privateEndpoint: Endpoint }> {
  const anchor = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
  const sla = {
    latencyThresholdMs: 300,
    latencyPercentile: 95,
    errorRateThreshold: 0.05,
    windowMinutes: 5,
    availabilityTarget: 0.99,
  };
  const publicEndpoint = await endpointWithHistory(fx, {
    sla,
    anchor,
    firstMinute: -2 * 1440,
    sample: (m, i) => {
      const failed = m >= -1200 && m < -1170 && i < 5;
      return {
        latencyMs: 80 + (m % 7) * 10,
        statusCode: failed ? 503 : 200,
        errorKind: failed ? 'unexpected_status' : null,
      };
    },
  });
  const privateEndpoint = await endpointWithHistory(fx, {
    sla,
    anchor,
    firstMinute: -60,
    sample: () => ({ latencyMs: 100 }),
  });
  const update = `mutation($id: ID!, $input: UpdateEndpointInput!) { updateEndpoint(id: $id, input: $input) { id } }`;
  await fx.api.gql(
    update,
    { id: publicEndpoint.id, input: { name: PUBLIC_NAME, public: true } },
    fx.tenant.adminKey,
  );
  await fx.api.gql(
    update,
    {
      id: privateEndpoint.id,
      input: { name: PRIVATE_NAME, url: 'https://billing.internal.example/health' },
    },
    fx.tenant.adminKey,
  );
  return { publicEndpoint, privateEndpoint };
}

export const STATUS_PAGE = /* GraphQL */ `
  query ($slug: String!) {
    statusPage(slug: $slug) {
      slug
      name
      endpoints {
        name
        state
        availability90d
        availabilityTarget
        uptimeDays {
          day
          availability
          breachedMinutes
        }
        latencyThresholdMs
        latency {
          start
          p95
        }
        risk {
          probability
          horizonMinutes
          aboveThreshold
          threshold
        }
        maintenance {
          endsAt
          reason
        }
        episodeCount
        episodes {
          start
          minutes
        }
      }
    }
  }
`;

export interface StatusPageResult {
  statusPage: {
    slug: string;
    name: string;
    endpoints: Array<{
      name: string;
      state: string;
      availability90d: number | null;
      uptimeDays: Array<{ day: string; availability: number | null; breachedMinutes: number }>;
      latency: Array<{ p95: number | null }>;
      risk: {
        probability: number | null;
        horizonMinutes: number;
        aboveThreshold: boolean;
        threshold: number;
      } | null;
      maintenance: { endsAt: string; reason: string } | null;
      episodeCount: number;
      episodes: Array<{ start: string; minutes: number }>;
    }>;
  };
}
