import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kind, parse, visit } from 'graphql';
import { documentSizeRefusal, MAX_TOKENS } from '../../src/http/document-precheck';

/** Aliases as the parsed document has them: the count the lexer pass must match. */
function astAliases(query: string): number {
  let aliases = 0;
  visit(parse(query), {
    [Kind.FIELD]: (node) => {
      if (node.alias) aliases++;
    },
  });
  return aliases;
}

/** The largest alias limit the document is refused at (its alias count by the lexer pass). */
function lexedAliases(query: string): number {
  let limit = 0;
  while (documentSizeRefusal(query, limit)?.details.reason === 'TOO_MANY_ALIASES') limit++;
  return limit;
}

/** Issue 10: an alias flood is refused before it is parsed (or validated). */
describe('document size precheck', () => {
  it('counts aliases exactly as the parser does, whatever else has a colon', () => {
    const documents = [
      '{ a: me { slug } b: me { s: slug } }',
      // Arguments, input objects, variables with defaults, directives: colons, no aliases.
      `query Q($id: ID!, $from: DateTime = "2026-01-01T00:00:00Z", $skip: Boolean = false) {
         t: telemetry(endpointId: $id, from: $from, to: "2026-01-02T00:00:00Z") @skip(if: $skip) { latencyP95 }
         createEndpoint(input: { name: "x", sla: { latencyThresholdMs: 3 } }) { id }
         plain: endpoints(first: 3, orderBy: { field: NAME, direction: ASC }) { edges { node { id } } }
       }`,
      // Colons in strings, block strings and comments are not tokens of their own.
      `{ # x: y: z:
         s: statusPage(slug: "a: b: c") { name } d: statusPage(slug: """e: f""") { n: name } }`,
      'fragment F on Query { f1: me { slug } } query { ...F g: me { slug } }',
      `subscription { r: riskChanged(endpointId: "1") { p: probability } }`,
    ];
    for (const query of documents) assert.equal(lexedAliases(query), astAliases(query), query);
  });

  it('refuses a flood at the first alias over the limit, and lets the rest go on', () => {
    const flood = `{ ${Array.from({ length: 620 }, (_, i) => `m${i}: me { slug }`).join(' ')} }`;
    assert.equal(documentSizeRefusal(flood, 50)?.details.reason, 'TOO_MANY_ALIASES');
    assert.equal(documentSizeRefusal(flood, 620), undefined);
    // Syntax errors are the parser's to report, with positions.
    assert.equal(documentSizeRefusal('{ a: me { ', 50), undefined);
    assert.equal(documentSizeRefusal('{ "unterminated }', 50), undefined);
  });

  it('refuses more tokens than MAX_TOKENS', () => {
    const many = `{ me { ${'slug '.repeat(MAX_TOKENS)} } }`;
    assert.equal(documentSizeRefusal(many, 50)?.details.reason, 'QUERY_TOO_LARGE');
  });
});
