import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conditionDurations, NO_DURATIONS } from '../../src/scoring/condition-durations';
import { describeFeature, duration, explainInWords } from '../../src/scoring/explain-words';

const SLA = { latencyThresholdMs: 300, latencyPercentile: 95, errorRateThreshold: 0.05 };

describe('explanations in words', () => {
  it("speaks of the endpoint's own SLA and its usual level, never of tod_sin", () => {
    const words = explainInWords(
      [
        { name: 'p95_ratio', value: 0.85, contribution: 0.2 },
        { name: 'err_vs_usual', value: Math.log(3), contribution: 0.1 },
        { name: 'tod_sin', value: 0.3, contribution: 0.05 },
        { name: 'tod_cos', value: -0.9, contribution: 0.01 },
      ],
      SLA,
    );
    assert.deepEqual(words, [
      'p95 latency now 85% of the 300 ms SLA',
      'error rate 3.0x its usual for this hour',
      'usual for this time of day',
    ]);
    assert.ok(words.every((w) => !/tod_|dow_|_sla_|_ratio/.test(w)));
  });

  it('describes slopes and error rates against the SLA', () => {
    const [slope, errors] = explainInWords(
      [
        { name: 'p95_slope_15_60', value: 0.2, contribution: 0.2 },
        { name: 'err_sla_15m', value: 0.6, contribution: 0.1 },
      ],
      SLA,
    );
    assert.equal(
      slope,
      'p95 latency rising: the last 15 min average is 20% of the 300 ms SLA above the last 60 min',
    );
    assert.equal(errors, 'error rate 3% over 15 min, 60% of the 5% SLA');
  });
});

describe('explanations with durations', () => {
  const at = new Date('2026-11-01T12:00:00Z');
  /** Four hours of minutes ending at `at`: p95 (ms) and errors per minute from the given shapes. */
  const history = (p95: (ago: number) => number, errors: (ago: number) => number = () => 0) =>
    Array.from({ length: 240 }, (_, i) => {
      const ago = 239 - i;
      return {
        minute: new Date(at.getTime() - ago * 60_000),
        samples: 12,
        errors: errors(ago),
        p95: p95(ago),
      };
    });
  // A little deterministic noise around a usual p95 of 90 ms (30% of the 300 ms SLA).
  const wobble = (ago: number) => 90 + 6 * Math.sin(ago * 1.7);

  it('dates a latency ramp from its foot: "rising for 20 min, now 85% of the 300 ms SLA"', () => {
    const ramp = history((ago) => (ago < 20 ? wobble(ago) + ((20 - ago) / 20) * 165 : wobble(ago)));
    const held = conditionDurations(ramp, 300, 0.05, at);
    // The 5-minute smoothing dates the foot of the ramp a few minutes late, never early.
    assert.ok(held.latencyMinutes! >= 16 && held.latencyMinutes! <= 20, `${held.latencyMinutes}`);
    assert.equal(held.latencyRising, true);
    const [words] = explainInWords([{ name: 'p95_ratio', value: 0.85, contribution: 0.3 }], SLA, {
      ...held,
      latencyMinutes: 20,
    });
    assert.equal(words, 'p95 latency rising for 20 min, now 85% of the 300 ms SLA');
  });

  it('says "above its usual" for latency that stepped up and holds, nothing for a usual level', () => {
    const step = history((ago) => (ago < 45 ? wobble(ago) + 120 : wobble(ago)));
    const easing = history((ago) => (ago < 45 ? wobble(ago) + (ago < 10 ? 80 : 140) : wobble(ago)));
    for (const held of [step, easing].map((h) => conditionDurations(h, 300, 0.05, at))) {
      assert.ok(held.latencyMinutes! >= 44 && held.latencyMinutes! <= 47, `${held.latencyMinutes}`);
      assert.equal(held.latencyRising, false, 'holding or easing is not rising');
      assert.equal(
        describeFeature('p95_vs_usual', 1.2, SLA, held),
        `p95 latency above its usual for ${held.latencyMinutes} min, 2.2x its usual for this hour`,
      );
    }
    const quiet = conditionDurations(history(wobble), 300, 0.05, at);
    assert.equal(quiet.latencyMinutes, null, 'noise is no condition');
    assert.equal(quiet.errorMinutes, null);
    assert.equal(
      describeFeature('p95_ratio', 0.3, SLA, quiet),
      'p95 latency now 30% of the 300 ms SLA',
      'no duration when nothing is unusual',
    );
  });

  it('dates errors: "error rate up for 12 min: 3.0x its usual for this hour"', () => {
    const errors = history(wobble, (ago) => (ago < 12 ? 3 : ago % 97 === 0 ? 1 : 0));
    const held = conditionDurations(errors, 300, 0.05, at);
    assert.ok(held.errorMinutes! >= 12 && held.errorMinutes! <= 13, `${held.errorMinutes}`);
    const words = explainInWords(
      [
        { name: 'err_vs_usual', value: Math.log(3), contribution: 0.2 },
        { name: 'err_sla_15m', value: 0.6, contribution: 0.1 },
      ],
      SLA,
      { ...held, errorMinutes: 12 },
    );
    assert.deepEqual(words, [
      'error rate up for 12 min: 3.0x its usual for this hour',
      'error rate up for 12 min: 3% over 15 min, 60% of the 5% SLA',
    ]);
  });

  it('never dates a falling value, and says "over 4 h" for what held the whole lookback', () => {
    const held = {
      ...NO_DURATIONS,
      latencyMinutes: 240,
      latencyRising: true,
      latencySinceBeforeLookback: true,
    };
    assert.equal(
      describeFeature('p95_slope_15_60', -0.1, SLA, held),
      'p95 latency falling: the last 15 min average is 10% of the 300 ms SLA below the last 60 min',
    );
    assert.equal(
      describeFeature('p95_slope_15_60', 0.1, SLA, held),
      'p95 latency rising for over 4 h: the last 15 min average is 10% of the 300 ms SLA above the last 60 min',
    );
    assert.equal(duration(150), '2.5 h');
  });

  it('has nothing to say without rollups', () => {
    assert.deepEqual(conditionDurations([], 300, 0.05, at), NO_DURATIONS);
  });
});
