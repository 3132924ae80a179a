import type * as TF from '@tensorflow/tfjs';
import { prAuc } from './alert-metrics';

/** The data cannot train a classifier (one class only): a reason to refuse, not a crash. */
export class UnlearnableDataError extends Error {}
export interface MlpOptions {
  hidden: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Epochs without a better validation PR-AUC before training stops. */
  patience: number;
  /** Same seed, same data: same model. */
  seed: number;
}

/**
 * Rows per forward pass when predicting. TF.js defaults to 32 and slices the input per batch,
 * which made scoring 10,000 endpoints quadratic (47 s instead of under 1 s).
 */
export const PREDICT_BATCH = 8192;

export const DEFAULT_MLP: MlpOptions = {
  hidden: [32, 16],
  epochs: 40,
  batchSize: 256,
  learningRate: 0.003,
  patience: 5,
  seed: 42,
};

export interface EpochReport {
  epoch: number;
  loss: number;
  validationLoss: number;
  /** Average precision of this epoch's model on the validation minutes. */
  validationPrAuc: number | null;
}

export interface LabelledSet {
  x: number[][];
  y: Array<0 | 1>;
}

/** input -> dense ReLU layers -> one sigmoid unit: the probability of a breach onset within H. */
export function buildMlp(tf: typeof TF, inputSize: number, options: MlpOptions): TF.Sequential {
  const model = tf.sequential();
  options.hidden.forEach((units, i) =>
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed + i }),
        ...(i === 0 ? { inputShape: [inputSize] } : {}),
      }),
    ),
  );
  model.add(
    tf.layers.dense({
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed + 99 }),
    }),
  );
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'binaryCrossentropy' });
  return model;
}

/** Seeded Fisher-Yates, so a seeded run shuffles the training rows the same way every time. */
export function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0 || 1;
  const random = () =>
    (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 4_294_967_296;
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/**
 * Trains with Adam on binary cross-entropy. Positives (minutes before an onset) are rare, so they
 * weigh negatives/positives times more. Early stopping watches the validation PR-AUC (what the
 * alert lives on; the unweighted validation loss kept "improving" while PR-AUC fell), and the
 * best epoch's weights are restored at the end, not the last epoch's.
 */
export async function trainMlp(
  tf: typeof TF,
  train: LabelledSet,
  validation: LabelledSet,
  options: MlpOptions,
  onEpoch: (report: EpochReport) => void | Promise<void> = () => undefined,
  /** Start from these weights (fine-tuning); the network must have the same shape. */
  initialWeights?: TF.Tensor[],
  /**
   * What early stopping keeps the best of (higher is better), given the model after an epoch;
   * default: the PR-AUC of its scores on `validation`.
   */
  judge?: (model: TF.Sequential) => number,
): Promise<{ model: TF.Sequential; epochs: number; bestEpoch: number }> {
  const positives = train.y.filter((y) => y === 1).length;
  if (positives === 0 || positives === train.y.length)
    throw new UnlearnableDataError('training data needs both breach and quiet minutes');
  const order = shuffled(
    train.x.map((_, i) => i),
    options.seed,
  );
  const model = buildMlp(tf, train.x[0]!.length, options);
  if (initialWeights) model.setWeights(initialWeights);
  const xs = tf.tensor2d(order.map((i) => train.x[i]!));
  const ys = tf.tensor2d(order.map((i) => [train.y[i]!]));
  const vx = tf.tensor2d(validation.x);
  const vy = tf.tensor2d(validation.y.map((y) => [y]));
  let epochs = 0;
  let best = { epoch: 0, value: -Infinity, weights: [] as TF.Tensor[] };
  try {
    await model.fit(xs, ys, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffle: false,
      validationData: [vx, vy],
      classWeight: { 0: 1, 1: (train.y.length - positives) / positives },
      verbose: 0,
      callbacks: [
        new tf.CustomCallback({
          onEpochEnd: async (epoch, logs) => {
            epochs = epoch + 1;
            const scores = tf.tidy(() =>
              Array.from((model.predict(vx, { batchSize: PREDICT_BATCH }) as TF.Tensor).dataSync()),
            );
            const auc = prAuc(scores, validation.y);
            const value = judge ? judge(model) : (auc ?? 0);
            if (value > best.value + 1e-6) {
              tf.dispose(best.weights);
              best = {
                epoch: epochs,
                value,
                weights: model.getWeights().map((w) => w.clone()),
              };
            } else if (epochs - best.epoch >= options.patience) {
              model.stopTraining = true;
            }
            await onEpoch({
              epoch: epochs,
              loss: Number(logs?.loss),
              validationLoss: Number(logs?.val_loss),
              validationPrAuc: auc,
            });
          },
        }),
      ],
    });
    if (best.weights.length > 0) model.setWeights(best.weights);
  } finally {
    tf.dispose([xs, ys, vx, vy, ...best.weights]);
  }
  return { model, epochs, bestEpoch: best.epoch };
}

/** Probabilities for rows of (already normalised) features. */
export function predict(tf: typeof TF, model: TF.LayersModel, x: number[][]): number[] {
  return tf.tidy(() =>
    Array.from(
      (model.predict(tf.tensor2d(x), { batchSize: PREDICT_BATCH }) as TF.Tensor).dataSync(),
    ),
  );
}
