import { load, type Load, type Target } from './load';

/** A server in the comparison, with the request and check for each compared read. */
export interface Contender {
  name: string;
  targets: Record<string, Target>;
}

export interface CompareOptions {
  /** Labels of the reads, keys of every contender's `targets`. */
  reads: string[];
  connections: number[];
  runs: number;
  seconds: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const range = (values: number[], digits: number) =>
  `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;

/**
 * Interleaved runs: each run measures every read at every connection count on every contender
 * (in an order rotated from run to run), so that drifts of a shared machine fall on all of them
 * alike. Ratios are the median of the per-run ratios. Prints one line per contender and one per
 * ratio against the first contender, for each read and connection count.
 */
export async function compare(contenders: Contender[], options: CompareOptions): Promise<void> {
  const results = new Map<string, Load[]>();
  const keyOf = (contender: string, read: string, connections: number) =>
    `${contender}|${read}|${connections}`;
  const maxConnections = Math.max(...options.connections);
  for (const contender of contenders) {
    for (const read of options.reads) await load(contender.targets[read]!, 2, maxConnections);
  }
  for (let run = 0; run < options.runs; run++) {
    const order = contenders.map((_, i) => contenders[(i + run) % contenders.length]!);
    for (const connections of options.connections) {
      for (const read of options.reads) {
        for (const contender of order) {
          const key = keyOf(contender.name, read, connections);
          const result = await load(contender.targets[read]!, options.seconds, connections);
          results.set(key, [...(results.get(key) ?? []), result]);
        }
      }
    }
  }

  const [subject, ...baselines] = contenders;
  for (const connections of options.connections) {
    for (const read of options.reads) {
      const label = `${read} @ ${connections} conn`;
      for (const contender of contenders) {
        const runs = results.get(keyOf(contender.name, read, connections))!;
        const rps = runs.map((r) => r.rps);
        const p99 = runs.map((r) => r.p99Ms);
        const cpu = runs.map((r) => r.cpuMsPerRequest ?? NaN);
        console.log(
          `  ${label}, ${contender.name.padEnd(18)}: ${median(rps).toFixed(0)} req/s, ` +
            `p99 ${median(p99).toFixed(1)} ms, server CPU ${median(cpu).toFixed(2)} ms/request ` +
            `(median of ${runs.length}; req/s ${range(rps, 0)}, p99 ${range(p99, 1)} ms)`,
        );
      }
      const mine = results.get(keyOf(subject!.name, read, connections))!;
      for (const baseline of baselines) {
        const theirs = results.get(keyOf(baseline.name, read, connections))!;
        const ratio = (pick: (l: Load) => number) =>
          median(mine.map((m, i) => pick(m) / pick(theirs[i]!))).toFixed(2);
        console.log(
          `  ${label}, ratio ${subject!.name} / ${baseline.name}: req/s ${ratio((l) => l.rps)}, ` +
            `p99 ${ratio((l) => l.p99Ms)}, CPU per request ${ratio((l) => l.cpuMsPerRequest ?? NaN)}`,
        );
      }
    }
  }
}
