import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '../../..');

/** Relative link targets of a Markdown file (no URLs, no in-page anchors). */
function relativeLinks(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!.split('#')[0]!)
    .filter((target) => target !== '' && !/^[a-z]+:/i.test(target));
}

describe('documentation links', () => {
  const files = [
    'README.md',
    ...fs
      .readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];

  it('every relative link in the README and docs/ resolves inside the clone', () => {
    for (const file of files) {
      for (const target of relativeLinks(file)) {
        const resolved = path.resolve(path.dirname(path.join(ROOT, file)), target);
        assert.ok(
          resolved.startsWith(ROOT + path.sep),
          `${file} links outside the repository: ${target}`,
        );
        assert.ok(fs.existsSync(resolved), `${file} links to a missing ${target}`);
      }
    }
  });

  it('the README points to the product contract kept in docs/', () => {
    assert.ok(relativeLinks('README.md').includes('docs/CONTRACT.md'));
    assert.doesNotMatch(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'), /\.\.\/shared\//);
  });
});
