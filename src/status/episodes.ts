import type { BreachEpisode } from '../telemetry/sla';

/**
 * Runs of breached minutes (oldest first) merged into episodes as SPEC section 4 counts them:
 * runs separated by fewer than `windowMinutes` minutes are one episode (a flap is not a new
 * incident). Minutes between runs are taken as good ones; an episode's minutes are its breached
 * minutes. Already-merged episodes come back unchanged.
 */
export function mergeEpisodes(runs: BreachEpisode[], windowMinutes: number): BreachEpisode[] {
  const merged: BreachEpisode[] = [];
  for (const run of runs) {
    const last = merged.at(-1);
    const gap = last ? (run.start.getTime() - last.end.getTime()) / 60_000 - 1 : Infinity;
    if (last && gap < windowMinutes) {
      merged[merged.length - 1] = {
        start: last.start,
        end: run.end,
        minutes: last.minutes + run.minutes,
      };
    } else merged.push({ ...run });
  }
  return merged;
}
