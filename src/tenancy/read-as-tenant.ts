import pg from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { inTenantSlot } from './with-tenant';

/** The part of node-postgres' connection a query writes its protocol messages with. */
interface ProtocolWriter {
  parse(config: { text: string; name?: string; types?: number[] }): void;
  bind(config: { portal?: string; statement?: string; values?: unknown[] }): void;
  describe(config: { type: 'P' | 'S'; name?: string }): void;
  execute(config: { portal?: string; rows?: number }): void;
}

const SET_TENANT = "select set_config('app.tenant_id', $1, true)";

/**
 * One read statement preceded by the tenant setting, both in the same implicit transaction of
 * the extended protocol: Parse, Bind, Describe and Execute of `set_config(..., true)`, then of the
 * read, then a single Sync, written to the socket at once. PostgreSQL runs the messages in order
 * and ends the implicit transaction at the Sync, so the setting holds for the read and for
 * nothing after it; if the setting fails, the read is skipped (PostgreSQL discards messages up to
 * the Sync after an error). node-postgres' Query does the read's messages and the Sync
 * (`super.prepare`), and collects both results in order.
 */
class TenantRead extends pg.Query {
  constructor(
    private readonly tenantId: string,
    text: string,
    values: unknown[],
    callback: (err: Error | null, results: unknown) => void,
  ) {
    super({ text, values, callback } as pg.QueryConfig);
  }

  /** Always the extended protocol: node-postgres would send a read without values as a simple query. */
  requiresPreparation(): boolean {
    return true;
  }

  /** Called by node-postgres' Query.submit with the socket corked. */
  prepare(connection: ProtocolWriter): void {
    connection.parse({ text: SET_TENANT, types: [] });
    connection.bind({ values: [this.tenantId] });
    connection.describe({ type: 'P' });
    connection.execute({ rows: 0 });
    (pg.Query.prototype as unknown as { prepare(c: ProtocolWriter): void }).prepare.call(
      this,
      connection,
    );
  }
}

/**
 * One read-only statement as a tenant, in one round trip to PostgreSQL instead of withTenant's
 * three (BEGIN with the setting, the statement, COMMIT): for the API's hottest reads (an endpoint,
 * a page of endpoints), where those round trips were the largest part of a request's CPU
 * (docs/DECISIONS.md, "One round trip for a one-statement read"). The same rules as withTenant
 * (inTenantSlot: a uuid check, one of the tenant's slots of the pool), and row-level security
 * does the rest. Anything that writes, or reads more than one statement, goes
 * through withTenant.
 */
export function readAsTenant<Row>(
  dataSource: DataSource,
  tenantId: string,
  sql: string,
  values: unknown[],
): Promise<Row[]> {
  return inTenantSlot(dataSource, tenantId, async () => {
    const pool = (dataSource.driver as PostgresDriver).master as pg.Pool;
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      const results = await new Promise<pg.QueryResult[]>((resolve, reject) => {
        void client.query(
          new TenantRead(tenantId, sql, values, (err, results) =>
            err ? reject(err) : resolve(results as pg.QueryResult[]),
          ),
        );
      });
      return results[1]!.rows as Row[];
    } catch (err) {
      // A connection error (not a statement's) leaves the client unusable: the pool drops it.
      if (!(err instanceof pg.DatabaseError)) broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  });
}
