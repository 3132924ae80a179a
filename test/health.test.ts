import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useApiFixture } from './helpers/api';

describe('health, readiness and metrics', () => {
  const fx = useApiFixture();

  it('answers /healthz', async () => {
    const response = await fetch(`${fx.api.url}/healthz`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { status: string }).status, 'ok');
  });

  it('answers /readyz with Postgres and Redis checked', async () => {
    const response = await fetch(`${fx.api.url}/readyz`);
    const body = (await response.json()) as {
      status: string;
      checks: Record<string, { ok: boolean }>;
    };
    assert.equal(response.status, 200);
    assert.deepEqual(body, {
      status: 'ready',
      checks: { postgres: { ok: true }, redis: { ok: true } },
    });
  });

  it('serves Prometheus metrics, including the requests it has seen', async () => {
    await fx.api.gql('{ me { slug } }');
    const response = await fetch(`${fx.api.url}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    assert.match(
      text,
      /sentinel_http_request_duration_seconds_count\{method="POST",route="\/graphql",status="200"\} \d+/,
    );
    assert.match(
      text,
      /sentinel_graphql_operations_total\{transport="http",type="query",outcome="UNAUTHENTICATED"\} \d+/,
    );
    assert.match(text, /sentinel_process_cpu_seconds_total/);
  });

  it('echoes a request id, or makes one', async () => {
    const given = await fetch(`${fx.api.url}/healthz`, {
      headers: { 'x-request-id': 'trace-123' },
    });
    assert.equal(given.headers.get('x-request-id'), 'trace-123');
    const made = await fetch(`${fx.api.url}/healthz`);
    assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});
