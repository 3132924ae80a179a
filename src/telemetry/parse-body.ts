import { CsvError, parse as parseCsv } from 'csv-parse';
import split2 from 'split2';
import type { Transform } from 'node:stream';
import { BadInputError } from '../errors/app-errors';
import type { RawSample } from './sample';

export type BodyFormat = 'ndjson' | 'csv';

/** NDJSON or CSV by Content-Type; anything else is refused before a byte is read. */
export function formatOf(contentType: string | undefined): BodyFormat | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (
    type === 'application/x-ndjson' ||
    type === 'application/ndjson' ||
    type === 'application/jsonl'
  )
    return 'ndjson';
  if (type === 'text/csv') return 'csv';
  return undefined;
}

/** A line that could not even be read as a row: rejected on its own, like a row that breaks a rule. */
export interface UnreadableRow {
  unreadable: string;
}

export const CSV_COLUMNS = [
  'endpointId',
  'observedAt',
  'latencyMs',
  'statusCode',
  'errorKind',
] as const;

/**
 * A Transform from body bytes to rows (objects), one at a time: NDJSON lines through JSON.parse,
 * CSV through csv-parse with a header naming CSV_COLUMNS. Never buffers the whole body.
 */
export function rowParser(
  format: BodyFormat,
  options: { endpointIdOptional?: boolean; maxRecordBytes?: number } = {},
): Transform {
  if (format === 'ndjson') {
    return split2((line: string): RawSample | UnreadableRow | undefined => {
      if (line.trim() === '') return undefined;
      try {
        const value = JSON.parse(line) as unknown;
        return value && typeof value === 'object' && !Array.isArray(value)
          ? (value as RawSample)
          : { unreadable: 'not a JSON object' };
      } catch {
        return { unreadable: 'not valid JSON' };
      }
    });
  }
  return parseCsv({
    columns: (header: string[]) => {
      const required = CSV_COLUMNS.slice(options.endpointIdOptional ? 1 : 0, 3);
      const missing = required.filter((column) => !header.includes(column));
      if (missing.length > 0) {
        throw new BadInputError([
          {
            field: 'header',
            message: `CSV header must name ${CSV_COLUMNS.join(',')} (missing ${missing.join(', ')})`,
          },
        ]);
      }
      return header;
    },
    skip_empty_lines: true,
    trim: true,
    // A row with the wrong number of fields is rejected on its own, not the whole body.
    relax_column_count: true,
    // A quoted field may span lines; the record as a whole is capped like an NDJSON line.
    ...(options.maxRecordBytes ? { max_record_size: options.maxRecordBytes } : {}),
  });
}

/**
 * A CSV body csv-parse cannot read past (a stray or unclosed quote, an oversized record) as a
 * client error with the parser's reason: the rows after it cannot be told apart, so the body is
 * refused whole rather than guessed at.
 */
export function unreadableCsv(err: unknown): BadInputError | undefined {
  if (!(err instanceof CsvError)) return undefined;
  return new BadInputError(
    [{ field: 'body', message: `unreadable CSV (${err.code}): ${err.message}` }],
    'CSV_UNREADABLE',
  );
}
