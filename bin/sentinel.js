#!/usr/bin/env node
// The CLI runs the compiled build: decorators need tsc's emitDecoratorMetadata (docs/DECISIONS.md).
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error(
    'sentinel: not built yet; run `npm run build` (npm start and npm test build for you)',
  );
  process.exit(1);
}
require(entry);
