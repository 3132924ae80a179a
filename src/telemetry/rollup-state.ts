import type { EntityManager } from 'typeorm';

/**
 * The incremental state on rollup rows (running totals, the SLA breach flag, episode state:
 * migrations/0014_rollup_state.sql) is advanced by `refresh_rollup_state()` in the transaction
 * that wrote the rollups. Passes over one endpoint are serialised with a transaction-level
 * advisory lock, taken BEFORE the rollups are written: a pass rewrites every later row, and two
 * interleaved passes would each build on a total the other is about to change.
 */
export async function lockEndpointRollups(manager: EntityManager, endpointId: string): Promise<void> {
  await manager.query(`select pg_advisory_xact_lock(hashtextextended('rollup-state:' || $1, 0))`, [
    endpointId,
  ]);
}

/**
 * Advances the state of the endpoint's rows from `from` (or from its first row without state, if
 * earlier) to its newest row; call with the lock. '-infinity' redoes the whole history (an SLA
 * change), 'infinity' only the rows without state.
 */
export async function refreshRollupState(
  manager: EntityManager,
  endpointId: string,
  from: Date | 'infinity' | '-infinity',
): Promise<void> {
  await manager.query('select refresh_rollup_state($1, $2::timestamptz)', [endpointId, from]);
}

/**
 * Rows written without state (by an older version, or loaded into rollups_minute directly) get
 * it before they are read: one probe of a partial index per call, a pass only where needed.
 */
export async function ensureRollupState(
  manager: EntityManager,
  endpointIds: string[],
): Promise<void> {
  const stale: Array<{ endpoint_id: string }> = await manager.query(
    `select distinct endpoint_id from rollups_minute where run_rows is null and endpoint_id = any($1::uuid[])`,
    [endpointIds],
  );
  for (const { endpoint_id } of stale.sort((a, b) => a.endpoint_id.localeCompare(b.endpoint_id))) {
    await lockEndpointRollups(manager, endpoint_id);
    await refreshRollupState(manager, endpoint_id, 'infinity');
  }
}
