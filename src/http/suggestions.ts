import { GraphQLError } from 'graphql';

/**
 * graphql-js suggests field, argument and type names in validation errors ("Did you mean
 * `endpoints`?"), which spells out the schema for anyone probing it. In production they are cut
 * from the message, on WebSocket as Apollo's hideSchemaDetailsFromClientErrors does on HTTP
 * (the same expression Apollo's disableSuggestions plugin uses).
 */
export function withoutSuggestions(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.map(
    (error) =>
      new GraphQLError(error.message.replace(/ ?Did you mean(.+?)\?$/, ''), {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        path: error.path,
        originalError: error.originalError,
        extensions: error.extensions,
      }),
  );
}
