import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FEATURE_NAMES } from '../../src/ml/features';
import { featurePositions, MODEL_FEATURES, modelInputs } from '../../src/ml/model-features';

/** A computed row whose value at each position is that position, to see what was picked. */
const computed = FEATURE_NAMES.map((_, i) => i);

describe('the features a model takes', () => {
  it('learns from every computed feature but the calendar', () => {
    assert.deepEqual(
      FEATURE_NAMES.filter((name) => !MODEL_FEATURES.includes(name)),
      ['tod_sin', 'tod_cos', 'dow_sin', 'dow_cos'],
    );
    assert.ok(MODEL_FEATURES.includes('p95_vs_usual'), 'the usual level at this hour stays');
  });

  it('gives a model trained on an older list (with the calendar) the row as before', () => {
    assert.deepEqual(modelInputs(FEATURE_NAMES)(computed), computed);
  });

  it('picks a model’s features by name, in the model’s order', () => {
    const picked = modelInputs(MODEL_FEATURES)(computed);
    assert.deepEqual(
      picked,
      MODEL_FEATURES.map((name) => FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number])),
    );
    assert.deepEqual(modelInputs(['since_breach', 'p95_ratio'])(computed), [
      FEATURE_NAMES.indexOf('since_breach'),
      0,
    ]);
  });

  it('refuses a model that names a feature this version does not compute', () => {
    assert.equal(featurePositions(['p95_ratio', 'cpu_load']), null);
    assert.throws(
      () => modelInputs(['p95_ratio', 'cpu_load']),
      /are not the ones this version computes/,
    );
  });
});
