import assert from 'node:assert/strict';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLInputType,
} from 'graphql';
import { describe, it } from 'node:test';
import { buildSentinelSchema } from '../src/processes/schema';
import { useApiFixture } from './helpers/api';

/** Operations anyone may call without a key. Add one here only on purpose. */
const PUBLIC_FIELDS = new Set<string>(['statusPage']);

/** A plausible value for any input type, so that the request reaches the resolver. */
function sampleValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType);
  if (isListType(type)) return [sampleValue(type.ofType)];
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0]!.value;
  if (isInputObjectType(named)) {
    return Object.fromEntries(
      Object.values(named.getFields()).map((field) => [field.name, sampleValue(field.type)]),
    );
  }
  if (isScalarType(named)) {
    return (
      (
        {
          ID: '7d1f3f7e-0000-4000-8000-000000000000',
          Int: 60,
          Float: 0.5,
          Boolean: true,
          DateTimeISO: new Date().toISOString(),
        } as Record<string, unknown>
      )[named.name] ?? 'sample'
    );
  }
  return null;
}

describe('every operation requires a key', () => {
  const fx = useApiFixture();

  it('answers UNAUTHENTICATED, with no data, for each query and mutation called without a key', async () => {
    const schema = await buildSentinelSchema();
    const roots = [
      ['query', schema.getQueryType()],
      ['mutation', schema.getMutationType()],
    ] as const;
    let checked = 0;
    for (const [kind, root] of roots) {
      for (const field of Object.values(root?.getFields() ?? {})) {
        if (PUBLIC_FIELDS.has(field.name)) continue;
        const args: readonly GraphQLArgument[] = field.args;
        const variableDefs = args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
        const argList = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
        const selection =
          getNamedType(field.type).toString() === field.type.toString().replace(/[[\]!]/g, '') &&
          isScalarType(getNamedType(field.type))
            ? ''
            : '{ __typename }';
        const query = `${kind}${variableDefs ? `(${variableDefs})` : ''} { ${field.name}${argList ? `(${argList})` : ''} ${selection} }`;
        const variables = Object.fromEntries(args.map((arg) => [arg.name, sampleValue(arg.type)]));
        const response = await fx.api.gql(query, variables);
        assert.equal(
          response.errors?.[0]?.extensions?.code,
          'UNAUTHENTICATED',
          `${kind} ${field.name}: ${JSON.stringify(response)}`,
        );
        // A nullable field answers `{ field: null }` beside the error: still nothing disclosed.
        assert.ok(
          Object.values(response.data ?? {}).every((value) => value === null),
          `${field.name} returned data`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 9, `expected every operation to be checked, got ${checked}`);
  });
});
