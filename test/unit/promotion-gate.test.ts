import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertMetrics } from '../../src/ml/alert-metrics';
import type { ModelMetrics } from '../../src/ml/pipeline';
import { promotionGate } from '../../src/ml/promotion';

const alert = (recall: number, precision: number, falsePerDay: number): AlertMetrics => ({
  onsets: 20,
  alerts: 20,
  eventRecall: recall,
  precision,
  medianLeadMinutes: 10,
  falseAlertsPerEndpointDay: falsePerDay,
});
const model = (recall: number, precision: number, falsePerDay: number): ModelMetrics => ({
  ...alert(recall, precision, falsePerDay),
  prAuc: 0.3,
  threshold: 0.2,
});

describe('the promotion gate', () => {
  const burn = alert(0.2, 0.1, 2.7);

  it('keeps a model that does not beat the burn-rate alert', () => {
    const gate = promotionGate(model(0.1, 0.1, 0.5), burn, null, 1);
    assert.equal(gate.promote, false);
    assert.match(gate.reason, /does not beat the burn-rate alert/);
  });

  it('keeps a model over the false-alert budget, however good its F1 (the demo model that paged 5 times a day)', () => {
    const gate = promotionGate(model(0.9, 0.6, 5), burn, null, 1);
    assert.equal(gate.promote, false);
    assert.match(gate.reason, /5\.00 false alerts per endpoint-day, over the budget of 1\.00/);
    assert.equal(promotionGate(model(0.9, 0.6, 5), burn, null, 6).promote, true, 'a wider budget');
  });

  it('keeps a model that does not beat the incumbent, or cannot be compared with it', () => {
    assert.equal(promotionGate(model(0.5, 0.5, 0.5), burn, model(0.6, 0.6, 0.2), 1).promote, false);
    assert.equal(promotionGate(model(0.5, 0.5, 0.5), burn, undefined, 1).promote, false);
  });

  it('promotes a model that beats the burn-rate alert and the incumbent within the budget', () => {
    const gate = promotionGate(model(0.7, 0.7, 0.5), burn, model(0.5, 0.5, 0.5), 1);
    assert.equal(gate.promote, true);
    assert.match(gate.reason, /beats the burn-rate alert's 0\.13 and the active model's 0\.50/);
  });
});
