/**
 * The baseline: the smallest honest GraphQL server. node:http, graphql-js, one field answering
 * `{ me { slug } }` from memory. No auth, no database, no framework.
 */
import http from 'node:http';
import { buildSchema, graphql } from 'graphql';

const schema = buildSchema('type Tenant { slug: String! } type Query { me: Tenant! }');
const rootValue = { me: () => ({ slug: 'tenant0' }) };

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk));
  req.on('end', async () => {
    const { query, variables } = JSON.parse(body) as {
      query: string;
      variables?: Record<string, unknown>;
    };
    const result = await graphql({ schema, source: query, rootValue, variableValues: variables });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(result));
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
