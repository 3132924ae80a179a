import type { TrainingEvent } from '../training/training-events';

/** A loss or PR-AUC (never negative) in at most 6 characters, whatever its size. */
function figure(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (value < 10) return value.toFixed(4);
  return value < 10_000 ? value.toPrecision(5) : value.toExponential(1);
}

/** What the training bar shows after the bar itself; at most 58 characters, so that with the bar a line fits 80 columns. */
export function trainingLine(
  event: Pick<TrainingEvent, 'epoch' | 'loss' | 'validationLoss' | 'validationPrAuc' | 'state'>,
  maxEpochs: number,
): string {
  return [
    `epoch ${event.epoch ?? 0}/${maxEpochs}`,
    `loss ${figure(event.loss)}`,
    `val ${figure(event.validationLoss)}`,
    `PR-AUC ${figure(event.validationPrAuc)}`,
    event.state,
  ].join(' ');
}
