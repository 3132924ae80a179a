import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/config';
import { logger } from '../src/config/logger';
import { seedDemoTenant } from '../src/demo/seed-demo-tenant';
import { loadTf } from '../src/ml/backend';
import { DEFAULT_MLP } from '../src/ml/mlp';
import { trainAndEvaluate } from '../src/ml/pipeline';
import { tenantFeatureRows } from '../src/training/feature-data';
import { useApiFixture } from './helpers/api';

describe('training pipeline on synthetic demo data', () => {
  const fx = useApiFixture();

  it('trains on the early part and scores model and burn-rate alert on the same held-out minutes', async () => {
    const demo = await seedDemoTenant(fx.db.dataSource, loadConfig(), 'ml-demo', 10, 3);
    const to = new Date();
    const data = await tenantFeatureRows(
      fx.db.dataSource,
      demo.tenant.id,
      new Date(to.getTime() - 10 * 86_400_000),
      to,
      15,
    );
    assert.equal(data.length, 4);
    assert.ok(
      data.every((d) => d.rows.length > 10 * 1400),
      'about a row per minute',
    );
    assert.ok(
      data.some((d) => d.rows.some((r) => r.onset)),
      'the synthetic history has breach onsets',
    );

    const { tf } = await loadTf(logger);
    const epochs: number[] = [];
    const outcome = await trainAndEvaluate(
      tf,
      data,
      15,
      { ...DEFAULT_MLP, epochs: 15 },
      (r) => void epochs.push(r.epoch),
    );
    const { model, burnRate, testFrom } = outcome.evaluation;
    assert.equal(epochs.length, outcome.epochs);
    const allMinutes = data
      .flatMap((d) => d.rows.map((r) => r.minute.getTime()))
      .sort((a, b) => a - b);
    assert.ok(
      testFrom.getTime() >= allMinutes[Math.floor(allMinutes.length * 0.85)]!,
      'the held-out part is the latest 15%',
    );
    assert.equal(model.onsets, burnRate.onsets, 'both judged on the same onsets');
    assert.ok(model.onsets > 0);
    assert.ok(model.threshold > 0 && model.threshold < 1);
    assert.ok(model.prAuc !== null && model.prAuc > 0);
  });
});
