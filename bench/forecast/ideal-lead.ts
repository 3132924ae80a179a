/**
 * What lead a perfect trend detector could buy on the benchmark's data, before any noise: it sees
 * each incident's true p95 (as a share of the threshold) and true slope, and alerts when the line
 * reaches the threshold within T minutes. A leak is then caught exactly T minutes ahead; a
 * near-miss, which climbs to 80-95% of the threshold and recovers, alerts falsely when at the top
 * of its climb it is within T minutes of the threshold at its slope. Incidents come from the
 * generator's own plan (bench/forecast/generator.ts), seeds and endpoints as the benchmark uses.
 *
 *   node dist/bench/forecast/ideal-lead.js [days=14] [seeds=1,2,3,4,5,6,7,8,9]
 */
import { endpointSpecs, plan, prng } from './generator';

const DAYS = Number(process.argv[2] ?? 14);
const SEEDS = (process.argv[3] ?? '1,2,3,4,5,6,7,8,9').split(',').map(Number);

/** Per incident: the p95 share it climbs towards, its slope (share per minute). */
const climbs = (kind: 'leak' | 'near-miss') =>
  SEEDS.flatMap((seed) =>
    endpointSpecs().flatMap((spec, i) =>
      plan(prng(seed * 1000 + i), DAYS * 1440, spec)
        .filter((incident) => incident.kind === kind)
        .map((incident) => ({
          top: spec.normal * incident.peak,
          slope: (spec.normal * (incident.peak - 1)) / incident.ramp,
        })),
    ),
  );

const leaks = climbs('leak');
const nearMisses = climbs('near-miss');
console.log(
  `${leaks.length} leaks, ${nearMisses.length} near-misses (${SEEDS.length} seeds x 6 endpoints x ${DAYS} days)`,
);
for (const lead of [5, 8, 10, 12, 15]) {
  const falseAlerts = nearMisses.filter((m) => 1 - m.top <= lead * m.slope).length;
  console.log(
    `alert ${String(lead).padStart(2)} min ahead: ${falseAlerts} near-misses alert too (${((100 * falseAlerts) / nearMisses.length).toFixed(0)}%), precision on leaks and near-misses ${(leaks.length / (leaks.length + falseAlerts)).toFixed(2)}`,
  );
}
