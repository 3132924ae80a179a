import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertMetrics } from '../../src/ml/alert-metrics';
import { calibrate, fitPlatt } from '../../src/ml/calibration';
import type { FeatureRow } from '../../src/ml/features';
import { chooseThreshold, thresholdCandidates } from '../../src/ml/pipeline';

/** A seeded uniform generator. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296;
}

const MINUTE = 60_000;
const BASE = Date.UTC(2026, 0, 1);

function row(i: number, onset = false, inEpisode = false): FeatureRow {
  return {
    minute: new Date(BASE + i * MINUTE),
    features: [],
    label: 0,
    breached: inEpisode,
    onset,
    inEpisode,
    burnAlert: false,
    insufficient: null,
  };
}

describe('calibration and the threshold search', () => {
  it('calibrates inflated scores to observed frequencies (Platt scaling)', () => {
    // Class weighting inflates: raw 0.9 is really a 10% chance, raw 0.5 a 1% chance.
    const next = random(7);
    const scores: number[] = [];
    const labels: Array<0 | 1> = [];
    for (let i = 0; i < 20_000; i++) {
      const high = i % 2 === 0;
      scores.push(high ? 0.9 : 0.5);
      labels.push(next() < (high ? 0.1 : 0.01) ? 1 : 0);
    }
    const calibration = fitPlatt(scores, labels)!;
    assert.ok(Math.abs(calibrate(0.9, calibration) - 0.1) < 0.02, `${calibrate(0.9, calibration)}`);
    assert.ok(Math.abs(calibrate(0.5, calibration) - 0.01) < 0.005);
    assert.equal(calibrate(0.3, null), 0.3, 'models without calibration: raw output as is');
  });

  it('searches the whole tail: quantiles up to 1 - 1e-5 and the highest distinct scores', () => {
    const scores = Array.from({ length: 100_000 }, (_, i) => i / 100_000);
    const candidates = thresholdCandidates(scores);
    assert.ok(
      candidates.some((c) => c >= 0.99999),
      'reaches 1 - 1e-5',
    );
    assert.ok(candidates.filter((c) => c > 0.99).length > 100, 'dense in the tail');
  });

  it('picks a threshold above the 99th percentile when only the tail separates onsets', () => {
    // Two days of minutes, an onset at minute 1000 and 2500; scores rise to 1 just before them
    // and noise reaches 0.99 elsewhere (1.5% of minutes).
    const next = random(3);
    const rows = Array.from({ length: 2880 }, (_, i) => row(i, i === 1000 || i === 2500));
    const scores = rows.map((_, i) =>
      (i >= 990 && i < 1000) || (i >= 2490 && i < 2500)
        ? 0.999
        : next() < 0.015
          ? 0.99
          : next() * 0.5,
    );
    const threshold = chooseThreshold([{ rows, scores }], 15);
    assert.ok(threshold > 0.99 && threshold <= 0.999, `threshold ${threshold}`);
  });

  it('counts neither alerts nor rising edges inside an episode', () => {
    const rows = Array.from({ length: 200 }, (_, i) => row(i, i === 50, i >= 50 && i < 80));
    const firing = rows.map((_, i) => (i >= 40 && i < 45) || (i >= 60 && i < 65) || i === 70);
    const metrics = alertMetrics(
      [
        {
          minutes: rows.map((r) => r.minute),
          onset: rows.map((r) => r.onset),
          inEpisode: rows.map((r) => r.inEpisode),
          firing,
        },
      ],
      15,
    );
    assert.equal(metrics.onsets, 1);
    assert.equal(metrics.alerts, 1, 'the alerts during the episode are not new alerts');
    assert.equal(metrics.precision, 1);
  });
});
