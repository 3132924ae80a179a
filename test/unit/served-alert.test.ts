import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertCounts, alertMetrics } from '../../src/ml/alert-metrics';
import { nextArm, REARM_FRACTION, servedAlert } from '../../src/ml/alert-rule';
import type { FeatureRow } from '../../src/ml/features';
import { chooseThreshold, objectiveValue, FULL_LEAD_MINUTES } from '../../src/ml/pipeline';

const MINUTE = 60_000;
const BASE = Date.UTC(2026, 0, 1);

function row(i: number, options: Partial<FeatureRow> = {}): FeatureRow {
  return {
    minute: new Date(BASE + i * MINUTE),
    features: [],
    label: 0,
    breached: false,
    onset: false,
    inEpisode: false,
    burnAlert: false,
    insufficient: null,
    ...options,
  };
}

describe('the served alert in the evaluation', () => {
  it('rises exactly where serving fires BREACH_PREDICTED (same hysteresis)', () => {
    let state = 11;
    const next = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296;
    const threshold = 0.4;
    const rows = Array.from({ length: 2000 }, (_, i) =>
      row(i, { inEpisode: i % 300 > 280, insufficient: i % 97 === 0 ? 'thin' : null }),
    );
    const scores = rows.map(() => next() ** 2);
    const standing = servedAlert(rows, scores, threshold);
    let armed = true;
    rows.forEach((r, i) => {
      const known = !r.insufficient;
      const step = nextArm(
        armed,
        known && scores[i]! >= threshold,
        known && scores[i]! < threshold * REARM_FRACTION,
        r.inEpisode,
      );
      armed = step.armed;
      const rises = standing[i]! && !(i > 0 && standing[i - 1]);
      assert.equal(rises, step.fire, `minute ${i}`);
    });
  });

  it('counts risk hovering around the threshold as one alert, not one per crossing', () => {
    const rows = Array.from({ length: 60 }, (_, i) => row(i));
    const scores = rows.map((_, i) => (i >= 10 && i < 30 ? (i % 2 ? 0.45 : 0.35) : 0.05));
    const series = (firing: boolean[]) => [
      {
        minutes: rows.map((r) => r.minute),
        onset: rows.map((r) => r.onset),
        inEpisode: rows.map((r) => r.inEpisode),
        firing,
      },
    ];
    const raw = alertMetrics(series(scores.map((s) => s >= 0.4)), 15);
    const served = alertMetrics(series(servedAlert(rows, scores, 0.4)), 15);
    assert.equal(raw.alerts, 10);
    assert.equal(served.alerts, 1);
  });
});

describe('the threshold objective', () => {
  // One onset at minute 200 of each endpoint-day; risk 0.3 from 14 minutes before it, 0.8 from
  // 4 minutes before; quiet minutes at 0.05, with one spike of 0.3 a day elsewhere: a false alert.
  const day = (offset: number) => {
    const rows = Array.from({ length: 1440 }, (_, i) => row(offset + i, { onset: i === 200 }));
    const scores = rows.map((_, i) =>
      i >= 196 && i < 200 ? 0.8 : i >= 186 && i < 200 ? 0.3 : i === 900 ? 0.3 : 0.05,
    );
    return { rows, scores };
  };
  const days = Array.from({ length: 6 }, (_, d) => day(d * 1440));

  it('EVENT_F1 keeps the late, precise threshold; LEAD_F1 takes the early warning', () => {
    // At 0.8: every onset caught 4 minutes ahead, no false alert (F1 1). At 0.3: caught 14
    // minutes ahead, one false alert a day (F1 0.67).
    assert.ok(chooseThreshold(days, 15, 1, 'EVENT_F1') > 0.3);
    assert.ok(Math.abs(chooseThreshold(days, 15, 1, 'LEAD_F1') - 0.3) < 1e-9);
  });

  it('weighs a catch by its lead up to FULL_LEAD_MINUTES', () => {
    const counts = {
      onsets: 4,
      alerts: 4,
      trueAlerts: 4,
      endpointMinutes: 1440,
      leads: [2, 5, 10, 15],
    };
    assert.equal(objectiveValue('EVENT_F1', counts), 1);
    const recall = (0.2 + 0.5 + 1 + 1) / 4;
    assert.equal(FULL_LEAD_MINUTES, 10);
    assert.ok(Math.abs(objectiveValue('LEAD_F1', counts) - (2 * recall) / (recall + 1)) < 1e-12);
    const none = { ...counts, alerts: 0, trueAlerts: 0, leads: [] };
    assert.equal(objectiveValue('LEAD_F1', none), 0);
  });

  it('still respects the false-alert budget before any objective', () => {
    // Spikes of 0.3 every hour: the early threshold breaks a budget of 1 per endpoint-day.
    const noisy = days.map(({ rows, scores }) => ({
      rows,
      scores: scores.map((s, i) => (i % 60 === 30 && s < 0.3 ? 0.3 : s)),
    }));
    const threshold = chooseThreshold(noisy, 15, 1, 'LEAD_F1');
    assert.ok(threshold > 0.3, `threshold ${threshold}`);
    const counts = alertCounts(
      noisy.map((d) => ({
        minutes: d.rows.map((r) => r.minute),
        onset: d.rows.map((r) => r.onset),
        firing: servedAlert(d.rows, d.scores, threshold),
      })),
      15,
    );
    assert.ok(counts.alerts - counts.trueAlerts <= 6);
  });
});
