/** The operations bench/graphql sends; the raw-pg baseline answers exactly these. */
export const ME_QUERY = '{ me { slug } }';
export const LIST_QUERY = '{ endpoints(first: 50) { edges { node { id name url } } } }';
/** One endpoint by id (variable `id`). */
export const ONE_QUERY = 'query One($id: ID!) { endpoint(id: $id) { id name url } }';

/**
 * PostGraphile's spelling of the same two reads. Its Amber preset calls the column `id` `rowId`
 * (`id` is the global node id), conditions and orderings exist only for indexed columns (so no
 * `archived_at is null` filter: no endpoint of the benchmark is archived, the answer is the same),
 * and the primary key (tenant_id, id) makes the single-row fetcher take the tenant id as well.
 */
export const POSTGRAPHILE_LIST_QUERY =
  '{ allEndpoints(first: 50, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) { edges { node { rowId name url } } } }';
export const POSTGRAPHILE_ONE_QUERY =
  'query One($tenantId: UUID!, $id: UUID!) { endpointByTenantIdAndRowId(tenantId: $tenantId, rowId: $id) { rowId name url } }';
