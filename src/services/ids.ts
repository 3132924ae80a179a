const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids arrive as free text; a malformed one can name no row, so callers answer NOT_FOUND. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
