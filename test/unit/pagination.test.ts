import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadInputError } from '../../src/errors/app-errors';
import {
  assertPageSize,
  decodeCursor,
  encodeCursor,
  MAX_PAGE_SIZE,
} from '../../src/schema/pagination';

const ID = '3b241101-e2bb-4255-8caf-4136c566a962';

describe('cursors and page sizes', () => {
  it('round-trips an id through an opaque cursor of its kind', () => {
    const cursor = encodeCursor('endpoint', ID);
    assert.doesNotMatch(cursor, /endpoint|3b241101/);
    assert.equal(decodeCursor('endpoint', cursor), ID);
  });

  it('refuses a cursor of another kind, a forged one and garbage, as BAD_USER_INPUT on after', () => {
    for (const cursor of [
      encodeCursor('model', ID),
      encodeCursor('endpoint', 'not-a-uuid'),
      'garbage',
      '',
    ]) {
      assert.throws(
        () => decodeCursor('endpoint', cursor),
        (err: unknown) =>
          err instanceof BadInputError &&
          err.code === 'BAD_USER_INPUT' &&
          err.fields[0]?.field === 'after',
        cursor,
      );
    }
  });

  it(`allows 1 to ${MAX_PAGE_SIZE} rows a page`, () => {
    assertPageSize(1);
    assertPageSize(MAX_PAGE_SIZE);
    for (const first of [0, -1, MAX_PAGE_SIZE + 1, 2.5]) {
      assert.throws(() => assertPageSize(first), BadInputError, String(first));
    }
  });
});
