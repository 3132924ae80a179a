import type { EntityManager } from 'typeorm';

/**
 * The incremental state on rollup rows (running totals, the SLA breach flag, episode state:
 * migrations/0014_rollup_state.sql) is advanced by `refresh_rollup_state()` in the transaction
 * that wrote the rollups. Passes over one endpoint are serialised with a transaction-level
 * advisory lock, taken BEFORE the rollups are written: a pass rewrites every later row, and two
 * interleaved passes would each build on a total the other is about to change.
 */
export async function lockEndpointRollups(
  manager: EntityManager,
  endpointId: string,
): Promise<void> {
  await manager.query(`select pg_advisory_xact_lock(hashtextextended('rollup-state:' || $1, 0))`, [
    endpointId,
  ]);
}

/**
 * Advances the state of the endpoint's rows from `from` to its newest row; call with the lock.
 * '-infinity' redoes the whole history (an SLA change, a repair).
 */
export async function refreshRollupState(
  manager: EntityManager,
  endpointId: string,
  from: Date | '-infinity',
): Promise<void> {
  await manager.query('select refresh_rollup_state($1, $2::timestamptz)', [endpointId, from]);
}

/**
 * Endpoints whose newest rollup row has no state (loaded into rollups_minute directly, or written
 * by an older version) get it before they are read: one index probe per endpoint, a whole pass
 * only where needed. The rollup job keeps the state current up to the newest row, so a newest row
 * with state means an endpoint with state.
 */
export async function ensureRollupState(
  manager: EntityManager,
  endpointIds: string[],
): Promise<void> {
  const stale: Array<{ id: string }> = await manager.query(
    `select e.id from unnest($1::uuid[]) as e(id)
      cross join lateral (select r.run_rows from rollups_minute r where r.endpoint_id = e.id
                           order by r.minute desc limit 1) newest
      where newest.run_rows is null
      order by e.id`,
    [endpointIds],
  );
  for (const { id } of stale) {
    await lockEndpointRollups(manager, id);
    await refreshRollupState(manager, id, '-infinity');
  }
}
