import type { DataSource } from 'typeorm';
import type { Endpoint } from '../entities/endpoint.entity';
import { BadInputError, NotFoundError } from '../errors/app-errors';
import { readAsTenant } from '../tenancy/read-as-tenant';
import { isUuid } from './ids';

// The hottest read paths of the API: plain rows with only the columns asked for, no entity
// hydration, one statement each as the tenant (RLS limits it to the tenant's rows).

/** An endpoint with some of its properties: those that were asked for, plus its id. */
export type EndpointRow = Pick<Endpoint, 'id'> & Partial<Endpoint>;

/** Each property of an endpoint as a column. */
const COLUMNS: Record<string, string> = {
  id: 'id',
  name: 'name',
  url: 'url',
  method: 'method',
  expectedStatusCodes: 'expected_status_codes',
  probeEnabled: 'probe_enabled',
  public: 'public',
  probeIntervalSeconds: 'probe_interval_seconds',
  timeoutMs: 'timeout_ms',
  latencyThresholdMs: 'latency_threshold_ms',
  latencyPercentile: 'latency_percentile',
  errorRateThreshold: 'error_rate_threshold',
  windowMinutes: 'window_minutes',
  availabilityTarget: 'availability_target',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  archivedAt: 'archived_at',
};

/** `id, name, ...` for the properties given ('*': all; unknown: none); the id always. */
function selectList(properties: Iterable<string>): string {
  const wanted = new Set(['id', ...properties]);
  return Object.entries(COLUMNS)
    .filter(([property]) => wanted.has('*') || wanted.has(property))
    .map(([property, column]) => `${column} as "${property}"`)
    .join(', ');
}

/**
 * A page of the tenant's endpoints in creation order, keyset-paginated after the endpoint
 * `afterId`: one statement, in one round trip (readAsTenant).
 */
export async function readEndpointPage(
  dataSource: DataSource,
  tenantId: string,
  options: { first: number; afterId?: string; includeArchived: boolean },
  properties: Iterable<string>,
): Promise<{ endpoints: EndpointRow[]; hasNextPage: boolean }> {
  // Compared in SQL: created_at has microseconds, which a JS Date would round away.
  const rows = await readAsTenant<EndpointRow>(
    dataSource,
    tenantId,
    `select ${selectList(properties)} from endpoints
      where ($2 or archived_at is null)
        and ($3::uuid is null
             or (created_at, id) > (select a.created_at, a.id from endpoints a where a.id = $3))
      order by created_at, id
      limit $1`,
    [options.first + 1, options.includeArchived, options.afterId ?? null],
  );
  // An unknown cursor and the end of the list both give no rows; only then is it worth asking.
  if (rows.length === 0 && options.afterId) {
    const [known] = await readAsTenant(
      dataSource,
      tenantId,
      'select 1 from endpoints where id = $1',
      [options.afterId],
    );
    if (!known)
      throw new BadInputError([{ field: 'after', message: 'is not a cursor this API gave out' }]);
  }
  return { endpoints: rows.slice(0, options.first), hasNextPage: rows.length > options.first };
}

/**
 * One of the tenant's endpoints with its asked-for columns, in one round trip; another tenant's
 * id is NOT_FOUND, like a made-up one.
 */
export async function readEndpointRow(
  dataSource: DataSource,
  tenantId: string,
  id: string,
  properties: Iterable<string>,
): Promise<EndpointRow> {
  const [row] = isUuid(id)
    ? await readAsTenant<EndpointRow>(
        dataSource,
        tenantId,
        `select ${selectList(properties)} from endpoints where id = $1`,
        [id],
      )
    : [];
  if (!row) throw new NotFoundError('Endpoint', id);
  return row;
}
