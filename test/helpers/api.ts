import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig, type Config } from '../../src/config/config';
import { logger } from '../../src/config/logger';
import { startApi, type RunningApi } from '../../src/processes/api';
import { after, before } from 'node:test';
import { createTestDatabase, type TestDatabase } from './database';
import { makeTenant, type TestTenant } from './factories';

export interface GraphqlResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{
    message: string;
    path?: string[];
    extensions?: Record<string, unknown> & { code?: string };
  }>;
}

export interface TestApi extends RunningApi {
  config: Config;
  /** POSTs one operation to /graphql, with `key` as the Bearer token when given. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string,
  ): Promise<GraphqlResponse<T>>;
  wsUrl: string;
  /** A graphql-ws client that sends `key` in connection_init. */
  wsClient(key?: string): WsClient;
}

/** Starts a real API (HTTP + WebSocket, random port) on the test's own database. */
export async function startTestApi(
  db: Pick<TestDatabase, 'appUrl' | 'redisUrl'>,
  overrides: Partial<Config> = {},
): Promise<TestApi> {
  const config: Config = { ...loadConfig(), port: 0, ...overrides };
  const api = await startApi(config, { appDatabaseUrl: db.appUrl, redisUrl: db.redisUrl }, logger);
  const wsUrl = api.url.replace('http', 'ws') + '/graphql';
  return {
    ...api,
    config,
    wsUrl,
    gql: async (query, variables, key) => {
      const response = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    wsClient: (key) =>
      createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: key ? { authorization: `Bearer ${key}` } : {},
        retryAttempts: 0,
        // One socket from creation to dispose(), so tests see per-operation checks on one connection.
        lazy: false,
      }),
  };
}

/** Runs one operation over a graphql-ws client and returns its single result. */
export function wsRequest(
  client: WsClient,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphqlResponse> {
  return new Promise((resolve, reject) => {
    let result: GraphqlResponse | undefined;
    client.subscribe(
      { query, variables },
      {
        next: (value) => (result = { status: 0, ...(value as object) }),
        error: (err) => {
          // graphql-ws reports refused operations (validation, limits) as an array of errors.
          if (Array.isArray(err)) resolve({ status: 0, errors: err });
          else reject(err);
        },
        complete: () => resolve(result ?? { status: 0 }),
      },
    );
  });
}

export interface ApiFixture {
  db: TestDatabase;
  api: TestApi;
  /** A fresh tenant with an admin key. */
  tenant: TestTenant;
}

/**
 * Registers before/after hooks for the enclosing suite: its own database, a running API on it and
 * a fresh tenant. The fields are set once `before` has run.
 */
export function useApiFixture(
  overrides: Partial<Config> = {},
  options: { poolSize?: number } = {},
): ApiFixture {
  const fixture = {} as ApiFixture;
  before(async () => {
    fixture.db = await createTestDatabase(options);
    fixture.api = await startTestApi(fixture.db, overrides);
    fixture.tenant = await makeTenant(fixture.db.dataSource);
  });
  after(async () => {
    await fixture.api?.stop();
    await fixture.db?.drop();
  });
  return fixture;
}
