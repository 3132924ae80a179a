/**
 * Writes the GraphQL SDL to schema.graphql (`npm run schema:emit`), or with --check fails when the
 * committed file differs from what the code builds (CI).
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildSentinelSchema } from '../src/processes/schema';

const FILE = path.resolve(__dirname, '../../schema.graphql');

async function main(): Promise<void> {
  const sdl = `${printSchema(lexicographicSortSchema(await buildSentinelSchema()))}\n`;
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : '';
    if (committed !== sdl) {
      console.error('schema.graphql is stale: run `npm run schema:emit` and commit the result');
      process.exit(1);
    }
    console.log('schema.graphql is current');
    return;
  }
  fs.writeFileSync(FILE, sdl);
  console.log(`wrote ${FILE}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
