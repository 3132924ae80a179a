import type { ExecutionResult, FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors/app-errors';

/** The refusal that replaces an answer larger than MAX_RESPONSE_BYTES (HTTP and WebSocket). */
export function responseTooLarge(bytes: number, maxBytes: number): GraphQLFormattedError {
  return {
    message: `The answer (${bytes} bytes) is larger than ${maxBytes} bytes; ask for less (fewer fields, shorter ranges, wider buckets).`,
    extensions: { code: ErrorCode.BAD_USER_INPUT, reason: 'RESPONSE_TOO_LARGE' },
  };
}

/** Serialised sizes by result object: subscribers of one event share its result (and its size). */
const sizes = new WeakMap<object, number>();

/** The size in bytes of `result` as JSON, computed once per result object. */
export function resultBytes(result: ExecutionResult | FormattedExecutionResult): number {
  let bytes = sizes.get(result);
  if (bytes === undefined) sizes.set(result, (bytes = Buffer.byteLength(JSON.stringify(result))));
  return bytes;
}
