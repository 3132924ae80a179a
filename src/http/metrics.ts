import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** One registry per process, served at GET /metrics in Prometheus text format. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'sentinel_' });

export const httpRequestDuration = new Histogram({
  name: 'sentinel_http_request_duration_seconds',
  help: 'HTTP request latency by route and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const graphqlOperations = new Counter({
  name: 'sentinel_graphql_operations_total',
  help: 'GraphQL operations by type and outcome (ok, or the first error code).',
  labelNames: ['transport', 'type', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const tenantTaskFailures = new Counter({
  name: 'sentinel_tenant_task_failures_total',
  help: "One tenant's share of a job that failed and was skipped, so the others proceeded, by task.",
  labelNames: ['task'] as const,
  registers: [metricsRegistry],
});
