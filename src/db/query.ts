import type { EntityManager } from 'typeorm';

/** Anything that runs raw SQL: a DataSource or a transaction's EntityManager. */
export type Queryable = Pick<EntityManager, 'query'>;

// The driver hands rows back untyped; these helpers are the one place where a caller's row
// interface is laid over them, so call sites name their row shape instead of casting.

/** The rows of a SELECT (or INSERT ... RETURNING). */
export async function selectRows<Row>(
  db: Queryable,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  return (await db.query(sql, params)) as Row[];
}

/** The one row of a query that always answers one (an aggregate, `select f()`). */
export async function selectOne<Row>(
  db: Queryable,
  sql: string,
  params: unknown[] = [],
): Promise<Row> {
  const [row] = await selectRows<Row>(db, sql, params);
  if (row === undefined) throw new Error(`expected one row from: ${sql.slice(0, 80)}`);
  return row;
}

/** The rows of an UPDATE or DELETE ... RETURNING (TypeORM's pg driver answers [rows, count]). */
export async function changedRows<Row>(
  db: Queryable,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const [rows] = (await db.query(sql, params)) as [Row[], number];
  return rows;
}
