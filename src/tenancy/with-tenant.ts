import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { tenantSlotsOf } from './tenant-slots';

/** TypeORM's count of open transactions on a runner (protected; SAVEPOINTs nest on top of it). */
type RunnerInternals = QueryRunner & { transactionDepth: number; isTransactionActive: boolean };

/** Set while a unit of work runs: code called from inside it knows it is before COMMIT. */
const openTransaction = new AsyncLocalStorage<true>();

/**
 * Whether the caller runs inside withTenant's work, i.e. before its COMMIT. `enqueue` refuses
 * there, so a job can never be queued for rows that may still be rolled back.
 */
export function insideTenantTransaction(): boolean {
  return openTransaction.getStore() === true;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs one unit of work as a tenant: begin, set `app.tenant_id` for this transaction only, run,
 * commit. Every resolver and job reaches tenant data through here (or, for a single read
 * statement on the hot path, through readAsTenant); the RLS policies do the rest.
 * Transaction-local (`true`) matters: a pooled connection must not carry the id to the next user.
 *
 * BEGIN and the setting travel in one round trip (one simple-protocol message of two statements),
 * so a one-statement read costs three round trips, not four. The id is inlined as a literal, so
 * it is checked to be a uuid first. TypeORM is then told its runner is inside a transaction, so
 * `save()` and nested `transaction()` calls use savepoints as they would under
 * `dataSource.transaction()`.
 *
 * Where the pool caps each tenant's concurrent work (tenant-slots.ts, the API), the unit waits for
 * one of its tenant's slots first; work nested inside another unit does not (it would wait for
 * a slot its own caller holds).
 */
export function withTenant<T>(
  dataSource: DataSource,
  tenantId: string,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return inTenantSlot(dataSource, tenantId, () => runAsTenant(dataSource, tenantId, work));
}

/**
 * What every unit of work as a tenant (withTenant, readAsTenant) goes through first: the id is
 * checked to be a uuid (withTenant inlines it in SQL; ids come from our own rows and key lookups,
 * so anything else is a bug, not user input), then the unit holds one of its tenant's slots of the
 * pool while it runs, unless it is nested inside another unit.
 */
export async function inTenantSlot<T>(
  dataSource: DataSource,
  tenantId: string,
  run: () => Promise<T>,
): Promise<T> {
  if (!UUID.test(tenantId)) throw new TypeError(`not a tenant id: ${tenantId}`);
  const slots = insideTenantTransaction() ? undefined : tenantSlotsOf(dataSource);
  const release = await slots?.acquire(tenantId);
  try {
    return await run();
  } finally {
    release?.();
  }
}

async function runAsTenant<T>(
  dataSource: DataSource,
  tenantId: string,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner() as RunnerInternals;
  try {
    try {
      await runner.query(`begin; select set_config('app.tenant_id', '${tenantId}', true)`);
    } catch (err) {
      // Never hand the pool a connection left inside a transaction.
      await runner.query('rollback').catch(() => undefined);
      throw err;
    }
    runner.isTransactionActive = true;
    runner.transactionDepth = 1;
    let result: T;
    try {
      result = await openTransaction.run(true, () => work(runner.manager));
    } catch (err) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    }
    await runner.commitTransaction();
    return result;
  } finally {
    await runner.release();
  }
}
