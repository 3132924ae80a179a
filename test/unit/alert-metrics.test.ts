import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertMetrics, prAuc } from '../../src/ml/alert-metrics';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const minutes = (n: number) => Array.from({ length: n }, (_, i) => new Date(T0 + i * 60_000));
const at = (n: number, ...indexes: number[]) =>
  Array.from({ length: n }, (_, i) => indexes.includes(i));

describe('alertMetrics', () => {
  it('counts caught onsets, rising edges, true alerts, lead time and false alerts per day', () => {
    // One day of one endpoint. Onsets at 100 and 500. The alert fires 90-95 (caught 100, lead 10,
    // one rising edge), 300 (false: no onset within 15 minutes), 490 (caught 500, lead 10).
    const n = 1440;
    const metrics = alertMetrics(
      [
        {
          minutes: minutes(n),
          onset: at(n, 100, 500),
          firing: at(n, 90, 91, 92, 93, 94, 95, 300, 490),
        },
      ],
      15,
    );
    assert.deepEqual(metrics, {
      onsets: 2,
      alerts: 3,
      eventRecall: 1,
      precision: 2 / 3,
      medianLeadMinutes: 10,
      falseAlertsPerEndpointDay: 1,
    });
  });

  it('misses an onset whose alert fired too early, and answers null without onsets or alerts', () => {
    const n = 60;
    const early = alertMetrics([{ minutes: minutes(n), onset: at(n, 40), firing: at(n, 10) }], 15);
    assert.equal(early.eventRecall, 0);
    assert.equal(early.precision, 0);
    assert.equal(early.medianLeadMinutes, null);
    const quiet = alertMetrics([{ minutes: minutes(n), onset: at(n), firing: at(n) }], 15);
    assert.deepEqual(
      [quiet.eventRecall, quiet.precision, quiet.falseAlertsPerEndpointDay],
      [null, null, 0],
    );
  });

  it('treats a gap in the minutes as the end of an alert: firing again is a new rising edge', () => {
    const m = [new Date(T0), new Date(T0 + 60_000), new Date(T0 + 5 * 60_000)];
    const metrics = alertMetrics(
      [{ minutes: m, onset: [false, false, false], firing: [true, true, true] }],
      15,
    );
    assert.equal(metrics.alerts, 2);
  });
});

describe('prAuc', () => {
  it('is 1 for a perfect ranking, the average precision otherwise, null without positives', () => {
    assert.equal(prAuc([0.9, 0.8, 0.1, 0.05], [1, 1, 0, 0]), 1);
    // Ranked: 1 (p=1/1), 0, 1 (p=2/3): (1 + 2/3) / 2.
    assert.equal(prAuc([0.9, 0.8, 0.7], [1, 0, 1]), (1 + 2 / 3) / 2);
    assert.equal(prAuc([0.5, 0.4], [0, 0]), null);
  });
});
