import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainInWords } from '../../src/scoring/explain-words';

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
