import type { EntityManager } from 'typeorm';

/**
 * The breach-episode onsets of many endpoints, each within its own (after, upTo], oldest first,
 * from the flags the rollup rows keep (migrations/0014_rollup_state.sql): a breached minute with
 * no breach in the `windowMinutes` minutes with data before it, nor in the day before it. The
 * same rule as the features' `onset` (src/ml/features.ts) and the episodes of src/telemetry/sla.ts,
 * read by index instead of recomputed with window functions.
 */
export async function onsetsBetween(
  manager: EntityManager,
  ranges: Array<{ endpointId: string; after: Date; upTo: Date }>,
): Promise<Map<string, Date[]>> {
  const onsets = new Map<string, Date[]>();
  if (ranges.length === 0) return onsets;
  const rows: Array<{ endpoint_id: string; minute: Date }> = await manager.query(
    `select r.endpoint_id, r.minute
       from unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) as u(endpoint_id, after, up_to)
       join endpoints e on e.id = u.endpoint_id
       join rollups_minute r on r.tenant_id = e.tenant_id and r.endpoint_id = u.endpoint_id
                            and r.minute > u.after and r.minute <= u.up_to
      where r.breached
        and (r.prev_breach is null or r.prev_breach <= r.minute - interval '1 day'
             or r.run_rows - r.prev_breach_rows - 1 >= e.window_minutes)
      order by r.endpoint_id, r.minute`,
    [ranges.map((r) => r.endpointId), ranges.map((r) => r.after), ranges.map((r) => r.upTo)],
  );
  for (const row of rows) {
    const list = onsets.get(row.endpoint_id) ?? [];
    list.push(row.minute);
    onsets.set(row.endpoint_id, list);
  }
  return onsets;
}
