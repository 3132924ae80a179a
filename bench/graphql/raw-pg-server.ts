/**
 * The second baseline: Sentinel's own work on raw pg, without a framework. node:http, the API
 * key looked up through `authenticate_api_key` (cached per key like Sentinel's KeyAuthenticator),
 * then a tenant transaction (BEGIN with set_config in one round trip, the same SQL Sentinel
 * sends, COMMIT) and the JSON answer. No GraphQL parsing, no express, no TypeORM.
 *
 *   node dist/bench/graphql/raw-pg-server.js <app database url>
 */
import http from 'node:http';
import { Pool } from 'pg';
import { hashKey } from '../../src/tenancy/key-secret';
import { ME_QUERY, ONE_QUERY } from './queries';

const pool = new Pool({ connectionString: process.argv[2], max: 10 });
const keys = new Map<string, { tenantId: string; expires: number }>();
const KEY_CACHE_MS = 10_000;

async function tenantOf(key: string): Promise<string | undefined> {
  const hit = keys.get(key);
  if (hit && hit.expires > Date.now()) return hit.tenantId;
  const { rows } = await pool.query<{ tenant_id: string }>(
    'select tenant_id, key_id, scope from authenticate_api_key($1)',
    [hashKey(key)],
  );
  const tenantId = rows[0]?.tenant_id;
  if (tenantId) keys.set(key, { tenantId, expires: Date.now() + KEY_CACHE_MS });
  return tenantId;
}

async function answer(
  query: string,
  variables: Record<string, unknown> | undefined,
  tenantId: string,
): Promise<unknown> {
  const client = await pool.connect();
  try {
    await client.query(`begin; select set_config('app.tenant_id', '${tenantId}', true)`);
    let data: unknown;
    if (query === ME_QUERY) {
      const { rows } = await client.query('select slug from tenants where id = $1 limit 1', [
        tenantId,
      ]);
      data = { me: { slug: rows[0].slug } };
    } else if (query === ONE_QUERY) {
      const { rows } = await client.query(
        'select id as "id", name as "name", url as "url", created_at as "createdAt" from endpoints where id = $1',
        [variables?.id],
      );
      data = { endpoint: { id: rows[0].id, name: rows[0].name, url: rows[0].url } };
    } else {
      const { rows } = await client.query(
        `select id as "id", name as "name", url as "url", created_at as "createdAt" from endpoints
          where ($2 or archived_at is null)
            and ($3::uuid is null
                 or (created_at, id) > (select a.created_at, a.id from endpoints a where a.id = $3))
          order by created_at, id
          limit $1`,
        [51, false, null],
      );
      data = {
        endpoints: {
          edges: rows
            .slice(0, 50)
            .map((row) => ({ node: { id: row.id, name: row.name, url: row.url } })),
        },
      };
    }
    await client.query('commit');
    return data;
  } finally {
    client.release();
  }
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk));
  req.on('end', async () => {
    try {
      const { query, variables } = JSON.parse(body) as {
        query: string;
        variables?: Record<string, unknown>;
      };
      const key = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      const tenantId = key ? await tenantOf(key) : undefined;
      if (!tenantId) {
        res.writeHead(401).end();
        return;
      }
      const data = await answer(query, variables, tenantId);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data }));
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
