/**
 * Bundles the GraphQL explorer (explorer/main.js: GraphiQL, React, Monaco and its workers) into
 * dist/explorer, which the API serves at /graphql/assets. Part of `npm run build`; skipped when
 * nothing it reads has changed since the last bundle.
 */
import { build } from 'esbuild';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const out = path.join(root, 'dist/explorer');
const stampFile = path.join(out, '.stamp');

function stamp(): string {
  const hash = crypto.createHash('sha256');
  for (const file of [
    'package-lock.json',
    'explorer/main.js',
    'explorer/style-nonce.js',
    'explorer/explorer.css',
  ]) {
    hash.update(fs.readFileSync(path.join(root, file)));
  }
  hash.update(fs.readFileSync(__filename));
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const expected = stamp();
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === expected) return;
  fs.rmSync(out, { recursive: true, force: true });
  const monaco = (file: string) => path.join(root, 'node_modules', file);
  await build({
    absWorkingDir: root,
    entryPoints: {
      explorer: 'explorer/main.js',
      'editor.worker': monaco('monaco-editor/esm/vs/editor/editor.worker.js'),
      'json.worker': monaco('monaco-editor/esm/vs/language/json/json.worker.js'),
      'graphql.worker': monaco('monaco-graphql/esm/graphql.worker.js'),
    },
    outdir: out,
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    // Fonts (Monaco's codicons) become files served from Sentinel too: nothing loads from elsewhere.
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
    assetNames: '[name]-[hash]',
    logLevel: 'warning',
  });
  fs.writeFileSync(stampFile, expected);
  console.log(`explorer bundled into ${path.relative(root, out)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
