import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type * as TF from '@tensorflow/tfjs';
import { logger } from '../src/config/logger';
import { alertMetrics, prAuc } from '../src/ml/alert-metrics';
import { loadModel, serializeModel, TamperedArtifactError } from '../src/ml/artifact';
import { loadTf } from '../src/ml/backend';
import { fitNormalization, normalize, splitByTime } from '../src/ml/dataset';
import { DEFAULT_MLP, predict, trainMlp } from '../src/ml/mlp';

/** A deterministic dataset where feature 0 (plus noise) decides a rare positive label. */
function dataset(n: number): Array<{ minute: Date; features: number[]; label: 0 | 1 }> {
  let state = 12345;
  const random = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296;
  return Array.from({ length: n }, (_, i) => {
    const features = Array.from({ length: 6 }, () => random() * 2 - 1);
    const label = features[0]! + 0.2 * (random() - 0.5) > 0.8 ? 1 : 0;
    return {
      minute: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
      features: features.map((f, j) => f * (j + 1) * 10),
      label,
    };
  });
}

describe('MLP training, artifacts and alert metrics', () => {
  let tf: typeof TF;
  before(async () => ({ tf } = await loadTf(logger)));

  const prepare = () => {
    const split = splitByTime(dataset(3000));
    const normalization = fitNormalization(split.train);
    const set = (rows: typeof split.train) => ({
      x: rows.map((r) => normalize(r.features, normalization)),
      y: rows.map((r) => r.label),
    });
    return {
      split,
      normalization,
      train: set(split.train),
      validation: set(split.validation),
      test: set(split.test),
    };
  };

  it('splits by time without shuffling, and normalises with the training part only', () => {
    const { split, normalization } = prepare();
    assert.ok(
      split.train.at(-1)!.minute < split.validation[0]!.minute &&
        split.validation.at(-1)!.minute < split.test[0]!.minute,
    );
    assert.deepEqual(
      [split.train.length, split.validation.length, split.test.length],
      [2100, 450, 450],
    );
    const trainValues = split.train.map((r) => r.features[1]!).sort((a, b) => a - b);
    assert.equal(
      normalization.center[1],
      trainValues[Math.floor(trainValues.length / 2)],
      'centred on the training median',
    );
    // A fabricated extreme row barely moves the scaling, and its normalised value is clipped.
    const poisoned = fitNormalization([
      ...split.train,
      { features: split.train[0]!.features.map(() => 1e9) },
    ]);
    assert.ok(
      Math.abs(poisoned.scale[1]! - normalization.scale[1]!) / normalization.scale[1]! < 0.01,
    );
    assert.equal(
      normalize(
        split.train[0]!.features.map(() => 1e9),
        normalization,
      )[1],
      10,
    );
  });

  it('learns a rare class with weights and early stopping, reproducibly with a seed', async () => {
    const { train, validation, test } = prepare();
    const epochs: number[] = [];
    const options = { ...DEFAULT_MLP, epochs: 30, seed: 7 };
    const first = await trainMlp(
      tf,
      train,
      validation,
      options,
      (report) => void epochs.push(report.epoch),
    );
    assert.deepEqual(
      epochs,
      Array.from({ length: first.epochs }, (_, i) => i + 1),
      'one report per epoch, in order',
    );
    const scores = predict(tf, first.model, test.x);
    assert.ok(prAuc(scores, test.y)! > 0.8, `PR-AUC ${prAuc(scores, test.y)}`);
    const second = await trainMlp(tf, train, validation, options);
    assert.deepEqual(predict(tf, second.model, test.x), scores, 'same seed, same model');
  });

  it('stops on validation PR-AUC and keeps the best epoch, not the last', async () => {
    const { train, validation } = prepare();
    // Validation where the training signal is backwards: every epoch of learning makes it worse,
    // so the best validation PR-AUC is early and the last epoch is far from it.
    const backwards = { x: validation.x.map((row) => row.map((v) => -v)), y: validation.y };
    const reports: Array<number | null> = [];
    const { model, epochs, bestEpoch } = await trainMlp(
      tf,
      train,
      backwards,
      { ...DEFAULT_MLP, epochs: 30, patience: 3, seed: 3 },
      (report) => void reports.push(report.validationPrAuc),
    );
    const best = Math.max(...reports.map((r) => r ?? 0));
    assert.ok(epochs < 30, `stopped early (${epochs} epochs)`);
    assert.equal(reports[bestEpoch - 1], best);
    const kept = prAuc(predict(tf, model, backwards.x), backwards.y)!;
    assert.ok(Math.abs(kept - best) < 1e-6, `kept ${kept}, best ${best}, last ${reports.at(-1)}`);
  });

  it('covers the whole record with the SHA-256: a changed threshold is refused', async () => {
    const { train, validation } = prepare();
    const { model } = await trainMlp(tf, train, validation, { ...DEFAULT_MLP, epochs: 1 });
    const record = {
      horizonMinutes: 15,
      featureNames: ['a', 'b'],
      normalization: { center: [0, 1], scale: [1, 2] },
      hiddenUnits: [32, 16],
      threshold: 0.4,
      calibration: { method: 'platt', a: 1.5, b: -2 },
    };
    const artifact = await serializeModel(model, tf, record);
    // Key order does not matter (jsonb reorders keys); values do.
    await loadModel(
      { ...artifact, record: { ...record, normalization: { scale: [1, 2], center: [0, 1] } } },
      tf,
    );
    await assert.rejects(
      loadModel({ ...artifact, record: { ...record, threshold: 0 } }, tf),
      TamperedArtifactError,
    );
    await assert.rejects(
      loadModel({ ...artifact, record: { ...record, calibration: null } }, tf),
      TamperedArtifactError,
    );
  });

  it('stores a model as topology + weights with a SHA-256, and refuses a tampered one', async () => {
    const { train, validation, test } = prepare();
    const { model } = await trainMlp(tf, train, validation, { ...DEFAULT_MLP, epochs: 3 });
    const artifact = await serializeModel(model, tf);
    const loaded = await loadModel(artifact, tf);
    assert.deepEqual(
      predict(tf, loaded, test.x.slice(0, 20)),
      predict(tf, model, test.x.slice(0, 20)),
    );
    const tampered = { ...artifact, weights: Buffer.from(artifact.weights) };
    tampered.weights[10] = tampered.weights[10]! ^ 0xff;
    await assert.rejects(loadModel(tampered, tf), TamperedArtifactError);
  });

  it('scores alerts against onsets: recall, precision, lead time, false alerts per endpoint-day', () => {
    const base = Date.UTC(2026, 0, 1);
    const minutes = Array.from({ length: 1440 }, (_, i) => new Date(base + i * 60_000));
    const onset = minutes.map((_, i) => i === 100 || i === 700);
    // Fires at 90-95 (10 min ahead of onset 100), at 400 (false), never before 700.
    const firing = minutes.map((_, i) => (i >= 90 && i <= 95) || i === 400);
    const metrics = alertMetrics([{ minutes, onset, firing }], 15);
    assert.deepEqual(metrics, {
      onsets: 2,
      alerts: 2,
      eventRecall: 0.5,
      precision: 0.5,
      medianLeadMinutes: 10,
      falseAlertsPerEndpointDay: 1,
    });
    assert.equal(prAuc([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]), (1 + 2 / 3) / 2);
  });
});
