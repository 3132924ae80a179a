import fs from 'node:fs';

/** What one server is asked, and how a right answer is recognised. */
export interface Target {
  url: string;
  key?: string;
  request: { query: string; variables?: Record<string, unknown> };
  /** True for the expected answer; anything else stops the benchmark. */
  check: (answer: GraphqlAnswer) => boolean;
  /** The server's process, to read its CPU time. */
  pid?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GraphqlAnswer = { data?: any; errors?: unknown[] };

export interface Load {
  rps: number;
  p99Ms: number;
  /** CPU time (user + system) the server process spent per request, when its pid is known. */
  cpuMsPerRequest?: number;
}

/** A process's CPU time so far, in ms (utime + stime from /proc, in clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * `connections` clients, each with one request in flight at a time (as autocannon -c does), for
 * `seconds`: requests per second, p99 latency, and the server's CPU per request.
 */
export async function load(target: Target, seconds: number, connections: number): Promise<Load> {
  const headers = {
    'content-type': 'application/json',
    ...(target.key ? { authorization: `Bearer ${target.key}` } : {}),
  };
  const body = JSON.stringify(target.request);
  const deadline = Date.now() + seconds * 1000;
  const latencies: number[] = [];
  const worker = async () => {
    while (Date.now() < deadline) {
      const began = performance.now();
      const response = await fetch(target.url, { method: 'POST', headers, body });
      const answer = (await response.json()) as GraphqlAnswer;
      if (!target.check(answer))
        throw new Error(`unexpected answer: ${JSON.stringify(answer).slice(0, 300)}`);
      latencies.push(performance.now() - began);
    }
  };
  const { pid } = target;
  const started = Date.now();
  const cpuBefore = pid ? cpuMs(pid) : 0;
  await Promise.all(Array.from({ length: connections }, worker));
  const cpu = pid ? cpuMs(pid) - cpuBefore : NaN;
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / ((Date.now() - started) / 1000),
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
    ...(pid ? { cpuMsPerRequest: cpu / latencies.length } : {}),
  };
}
