import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextArm, REARM_FRACTION } from '../../src/scoring/alert-state';

describe('BREACH_PREDICTED hysteresis', () => {
  it('fires once per rise; re-arms only below the lower level or through an episode', () => {
    const threshold = 0.5;
    const risk = [0.1, 0.6, 0.55, 0.45, 0.6, 0.2, 0.6, 0.7, 0.8, 0.7];
    const inEpisode = [false, false, false, false, false, false, false, true, false, false];
    let armed = true;
    const fired: number[] = [];
    risk.forEach((p, i) => {
      const next = nextArm(armed, p >= threshold, p < threshold * REARM_FRACTION, inEpisode[i]!);
      armed = next.armed;
      if (next.fire) fired.push(i);
    });
    // 1: the rise. 4: back over after 0.45 (not below 0.25): no new alert. 6: after 0.2.
    // 7: inside an episode, no alert; 8: the episode is over, risk still high: a new alert.
    assert.deepEqual(fired, [1, 6, 8]);
  });
});
