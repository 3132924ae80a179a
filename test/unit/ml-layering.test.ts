import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

// src/ml is pure TensorFlow and maths: database and tenancy access belong to src/training.
const ML_DIR = path.resolve(__dirname, '../../../src/ml');

describe('src/ml layering', () => {
  it('imports neither src/db nor src/tenancy', () => {
    const offenders = fs
      .readdirSync(ML_DIR)
      .filter((name) => name.endsWith('.ts'))
      .filter((name) =>
        /from '\.\.\/(db|tenancy)\//.test(fs.readFileSync(path.join(ML_DIR, name), 'utf8')),
      );
    assert.deepEqual(offenders, []);
  });
});
