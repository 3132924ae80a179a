import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { BadInputError } from '../errors/app-errors';

/** Tokens one document may have (graphql-js's parser stops there too). */
export const MAX_TOKENS = 20_000;

/**
 * Refuses a document with too many tokens or aliases before it is parsed, let alone validated
 * (graphql-js's validation is quadratic in aliased fields of one name). One pass of the lexer
 * that stops at the first alias over the limit: a 620-alias flood is refused after 51 aliases,
 * in a small fraction of the time a full parse takes.
 *
 * An alias is a name followed by a colon outside parentheses: inside them a `name:` is an
 * argument, a variable definition or an input object field; outside them (in selection sets),
 * only an alias. Undefined when the document may go on; syntax errors are left to the parser,
 * which reports them with positions.
 */
export function documentSizeRefusal(query: string, maxAliases: number): BadInputError | undefined {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let aliases = 0;
  let parentheses = 0;
  let previous: TokenKind | undefined;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > MAX_TOKENS)
        return new BadInputError(
          [{ field: 'query', message: `more than ${MAX_TOKENS} tokens` }],
          'QUERY_TOO_LARGE',
        );
      if (token.kind === TokenKind.PAREN_L) parentheses++;
      else if (token.kind === TokenKind.PAREN_R) parentheses = Math.max(0, parentheses - 1);
      else if (
        token.kind === TokenKind.COLON &&
        parentheses === 0 &&
        previous === TokenKind.NAME &&
        ++aliases > maxAliases
      )
        return new BadInputError(
          [{ field: 'query', message: `more than ${maxAliases} aliases per operation` }],
          'TOO_MANY_ALIASES',
        );
      previous = token.kind;
    }
  } catch (err) {
    if (err instanceof GraphQLError) return undefined;
    throw err;
  }
  return undefined;
}
