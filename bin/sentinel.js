#!/usr/bin/env node
// The CLI runs the compiled build: decorators need tsc's emitDecoratorMetadata (see docs/DECISIONS.md).
require('../dist/src/cli/main.js');
