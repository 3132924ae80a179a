/**
 * The third baseline of bench/graphql: PostGraphile 5 (Amber preset, grafserv on node:http)
 * serving Sentinel's tables as the same `sentinel_app` role under the same RLS. Each request's
 * `Authorization: Bearer <key>` goes through `authenticate_api_key` exactly as Sentinel's and the
 * raw-pg baseline's do (SHA-256 of the key, cached per key for 10 s), and the tenant reaches
 * PostgreSQL as the same `app.tenant_id` setting, through PostGraphile's own pgSettings (which
 * opens a transaction and sets it per request).
 *
 * Runs on Node >= 22 only, from this folder's own install (see README.md here):
 *   bench/graphql/postgraphile/node_modules/.bin/node bench/graphql/postgraphile/server.mjs <app database url>
 * Prints `listening <port>` when it serves.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import process from 'node:process';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

// The same pool size as Sentinel's app data source and the raw-pg baseline.
const pool = new pg.Pool({ connectionString: process.argv[2], max: 10 });
const keys = new Map();
const KEY_CACHE_MS = 10_000;

/** The tenant of a live key, as Sentinel finds it (src/tenancy/key-secret.ts hashes the same way). */
async function tenantOf(key) {
  const hit = keys.get(key);
  if (hit && hit.expires > Date.now()) return hit.tenantId;
  const hash = crypto.createHash('sha256').update(key).digest();
  const { rows } = await pool.query(
    'select tenant_id, key_id, scope from authenticate_api_key($1)',
    [hash],
  );
  const tenantId = rows[0]?.tenant_id;
  if (tenantId) keys.set(key, { tenantId, expires: Date.now() + KEY_CACHE_MS });
  return tenantId;
}

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ pool, schemas: ['public'], pubsub: false })],
  grafast: {
    async context(requestContext) {
      const authorization = requestContext.node?.req?.headers.authorization ?? '';
      const key = /^Bearer (\S+)$/.exec(authorization)?.[1];
      const tenantId = key ? await tenantOf(key) : undefined;
      if (!tenantId) throw new Error('unknown API key');
      return { pgSettings: { 'app.tenant_id': tenantId } };
    },
  },
  grafserv: { graphqlPath: '/graphql', graphiql: false, websockets: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = http.createServer();
await serv.addTo(server);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () =>
  server.close(() =>
    pgl
      .release()
      .then(() => pool.end())
      .then(() => process.exit(0)),
  ),
);
