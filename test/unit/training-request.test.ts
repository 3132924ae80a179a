import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadInputError } from '../../src/errors/app-errors';
import type { TrainingRequest } from '../../src/training/training-events';
import { assertValidTrainingRequest } from '../../src/training/training-request';

const VALID: TrainingRequest = {
  scope: 'TENANT',
  horizonMinutes: 15,
  epochs: 40,
  windowDays: 28,
  endpointIds: null,
  seed: null,
  autoPromote: true,
};

const problems = (patch: Partial<TrainingRequest>) => {
  try {
    assertValidTrainingRequest({ ...VALID, ...patch });
    return [];
  } catch (err) {
    assert.ok(err instanceof BadInputError);
    return err.fields.map((f) => `${f.field}: ${f.message}`);
  }
};

describe('assertValidTrainingRequest (every entry point: GraphQL, CLI, schedule)', () => {
  it('accepts the defaults and every edge of every range', () => {
    assert.deepEqual(problems({}), []);
    for (const patch of [
      { horizonMinutes: 5 },
      { horizonMinutes: 120 },
      { epochs: 1 },
      { epochs: 200 },
      { windowDays: 2 },
      { windowDays: 90 },
      { seed: 0 },
      { seed: 2_147_483_647 },
      { endpointIds: ['3b241101-e2bb-4255-8caf-4136c566a962'] },
    ])
      assert.deepEqual(problems(patch), [], JSON.stringify(patch));
  });

  it('names every field out of range at once', () => {
    assert.deepEqual(problems({ horizonMinutes: 4, epochs: 201, windowDays: 91, seed: -1 }), [
      'horizonMinutes: must be an integer from 5 to 120',
      'epochs: must be an integer from 1 to 200',
      'windowDays: must be an integer from 2 to 90',
      'seed: must be an integer from 0 to 2147483647',
    ]);
    assert.deepEqual(problems({ epochs: 2.5 }), ['epochs: must be an integer from 1 to 200']);
    assert.deepEqual(problems({ endpointIds: [] }), ['endpointIds: must list 1 to 1000 endpoints']);
    assert.deepEqual(problems({ endpointIds: ['x'] }), ['endpointIds: must be endpoint ids']);
  });
});
