import type { AlertMetrics } from '../ml/alert-metrics';
import type { StoredEvaluation } from '../ml/stored-evaluation';

function cell(value: number | null, digits: number): string {
  return value === null ? 'n/a' : value.toFixed(digits);
}

function row(name: string, m: AlertMetrics): string {
  return [
    name.padEnd(28),
    cell(m.eventRecall, 3).padStart(8),
    cell(m.precision, 3).padStart(10),
    cell(m.medianLeadMinutes, 1).padStart(10),
    cell(m.falseAlertsPerEndpointDay, 2).padStart(12),
    String(m.onsets).padStart(7),
    String(m.alerts).padStart(7),
  ].join(' ');
}

/** The model-versus-burn-rate table that `sentinel train` and `sentinel evaluate` print. */
export function formatEvaluation(evaluation: StoredEvaluation, horizonMinutes: number): string {
  const { model, burnRate, incumbent } = evaluation;
  const lines = [
    `Held-out minutes ${evaluation.testFrom} .. ${evaluation.testTo}; horizon ${horizonMinutes} min`,
    `${'alert'.padEnd(28)} ${'recall'.padStart(8)} ${'precision'.padStart(10)} ${'lead min'.padStart(10)} ${'false/ep-day'.padStart(12)} ${'onsets'.padStart(7)} ${'alerts'.padStart(7)}`,
    row(`model (threshold ${model.threshold.toFixed(3)})`, model),
    row('burn rate 14.4x/1h, 6x/6h', burnRate),
  ];
  if (incumbent) lines.push(row(`active v${incumbent.version} (same minutes)`, incumbent.metrics));
  lines.push(`PR-AUC ${cell(model.prAuc, 3)}`);
  return lines.join('\n');
}
