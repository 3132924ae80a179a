import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIP, fitNormalization, normalize, splitByTime } from '../../src/ml/dataset';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('splitByTime', () => {
  it('orders by time and cuts 70 / 15 / 15 without shuffling across time', () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ minute: new Date(T0 + i * 60_000), i }));
    const { train, validation, test } = splitByTime([...rows].reverse());
    assert.deepEqual(
      train.map((r) => r.i),
      [...Array(14).keys()],
    );
    assert.deepEqual(
      validation.map((r) => r.i),
      [14, 15, 16],
    );
    assert.deepEqual(
      test.map((r) => r.i),
      [17, 18, 19],
    );
  });

  it('takes other shares, and leaves no row out', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ minute: new Date(T0 + i * 60_000) }));
    const split = splitByTime(rows, 0.5, 0.3);
    assert.deepEqual([split.train.length, split.validation.length, split.test.length], [5, 3, 2]);
  });
});

describe('fitNormalization and normalize', () => {
  it('centres on the median, scales by 1.4826 x MAD, falls back to the deviation, then 1', () => {
    const rows = [1, 2, 3, 4, 100].map((v, i) => ({ features: [v, i === 4 ? 5 : 0, 7] }));
    const { center, scale } = fitNormalization(rows);
    assert.deepEqual(center, [3, 0, 7]);
    // |x - 3| sorted: 0 1 1 2 97 -> median 1.
    assert.equal(scale[0], 1.4826);
    // Mostly zero: MAD is 0, so the standard deviation of [0, 0, 0, 0, 5] (2).
    assert.equal(scale[1], 2);
    // Constant: 1, so it maps to 0.
    assert.equal(scale[2], 1);
    const [a, b, c] = normalize([3 + 2 * 1.4826, 1, 7], { center, scale });
    assert.ok(Math.abs(a! - 2) < 1e-12, String(a));
    assert.deepEqual([b, c], [0.5, 0]);
  });

  it('clips to CLIP scale units either way', () => {
    const normalization = { center: [0], scale: [1] };
    assert.deepEqual(normalize([1e6], normalization), [CLIP]);
    assert.deepEqual(normalize([-1e6], normalization), [-CLIP]);
  });
});
