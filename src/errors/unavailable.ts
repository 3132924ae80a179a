import { QueryFailedError } from 'typeorm';
import { UnavailableError } from './app-errors';

/** Network errors of a database (or Redis) that is down or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs that mean "not now" rather than "wrong": connection exceptions (08),
 * too many connections (53300), shutdown and start-up (57P01-57P03), a query cancelled by
 * statement_timeout (57014), and serialization or lock timeouts (40001, 55P03).
 */
function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') ||
    ['53300', '57P01', '57P02', '57P03', '57014', '40001', '55P03'].includes(code)
  );
}

/** The error as a retryable UnavailableError when it only says the database cannot serve now. */
export function asUnavailable(error: unknown): UnavailableError | undefined {
  if (error instanceof UnavailableError) return error;
  const source = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  const code = (source as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (NETWORK_CODES.has(code) || isTransientSqlState(code)) return new UnavailableError();
  return undefined;
}
