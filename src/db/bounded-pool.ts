import pg from 'pg';
import { UnavailableError } from '../errors/app-errors';

type ConnectCallback = (err: Error | undefined, client?: pg.PoolClient, done?: () => void) => void;

/**
 * node-postgres with a bounded wait for a pooled connection: after `acquireTimeoutMs` a caller
 * gets an UnavailableError (503, retryable) instead of queueing forever behind a saturated pool.
 * A connection that arrives after its caller gave up goes straight back to the pool. Given to
 * TypeORM as its `driver`, so every query, transaction and query runner goes through it.
 */
export function boundedPg(acquireTimeoutMs: number): typeof pg {
  class BoundedPool extends pg.Pool {
    override connect(): Promise<pg.PoolClient>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
      if (!callback) {
        return new Promise((resolve, reject) =>
          this.connect((err, client) => (err || !client ? reject(err) : resolve(client))),
        );
      }
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        callback(new UnavailableError('Every database connection is busy; retry shortly.', 1));
      }, acquireTimeoutMs);
      timer.unref();
      super.connect((err, client, done) => {
        if (settled) {
          if (client) done(); // the caller left: give the connection back
          return;
        }
        settled = true;
        clearTimeout(timer);
        callback(err, client, done);
      });
    }
  }
  // The pg module with only Pool replaced (types, Client and the rest are inherited).
  return Object.assign(Object.create(pg) as typeof pg, { Pool: BoundedPool });
}
