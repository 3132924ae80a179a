import express from 'express';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { withTimeout } from '../runtime/with-timeout';

async function check(
  probe: () => Promise<unknown>,
  timeoutMs = 2000,
): Promise<{ ok: boolean; error?: string }> {
  try {
    await withTimeout(probe(), timeoutMs, `no answer within ${timeoutMs} ms`);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** /healthz: the process is up. /readyz: it can serve (PostgreSQL and Redis answer). */
export function healthRoutes(deps: {
  dataSource: DataSource;
  redis: Redis;
  details: () => Promise<Record<string, unknown>>;
}): express.Router {
  const router = express.Router();
  router.get('/healthz', async (_req, res) => {
    res.json({ status: 'ok', ...(await deps.details()) });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, redis] = await Promise.all([
      check(() => deps.dataSource.query('select 1')),
      check(() => deps.redis.ping()),
    ]);
    const ready = postgres.ok && redis.ok;
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'unavailable', checks: { postgres, redis } });
  });
  return router;
}
