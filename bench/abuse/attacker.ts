/**
 * The attacking clients of bench/abuse, in a process of their own so that their CPU use does not
 * slow down the victim's client in the measuring process. Runs until SIGTERM, then prints its
 * counts as one JSON line. Input (argv[2]): { base, uploaderKeys, flooderKey, endpointId, parts,
 * floodFields }.
 */
import http from 'node:http';

interface Plan {
  base: string;
  uploaderKeys: string[];
  flooderKey: string;
  endpointId: string;
  parts: string[];
  /** Aliased fields per flood connection, one connection each. */
  floodFields: number[];
}

const plan = JSON.parse(process.argv[2]!) as Plan;
const stats = { uploadsHeld: 0, refused: 0, limited: 0, served: 0, failed: 0 };
/** When each served (heavy) operation ran, in ms since the attack started: [start, end]. */
const servedSpans: Array<[number, number]> = [];
const attackStarted = performance.now();
let attacking = true;
const timers: NodeJS.Timeout[] = [];
const requests: http.ClientRequest[] = [];

if (plan.parts.includes('uploads')) {
  // Twelve uploads that send a few bytes and then a byte every few seconds, forever.
  plan.uploaderKeys.forEach((key, i) => {
    for (const j of [0, 1]) {
      const req = http.request(`${plan.base}/ingest?batchId=slow-${i}-${j}-${Date.now()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${key}` },
      });
      req.on('error', () => undefined);
      req.on('response', (res) => res.resume());
      req.write('{"endpointId":');
      timers.push(setInterval(() => req.write(' '), 5000));
      requests.push(req);
      stats.uploadsHeld++;
    }
  });
}

const loops: Array<Promise<void>> = [];
if (plan.parts.includes('flood')) {
  const to = new Date();
  const from = new Date(to.getTime() - 86_400_000);
  const query = (fields: number) =>
    `{ ${Array.from(
      { length: fields },
      (_, i) =>
        `t${i}: telemetry(endpointId: "${plan.endpointId}", from: "${from.toISOString()}", to: "${to.toISOString()}") { latencyP95 }`,
    ).join(' ')} }`;
  // Aliases far beyond any limit, and the largest operation the cost limit accepts.
  for (const fields of plan.floodFields) {
    const body = JSON.stringify({ query: query(fields) });
    loops.push(
      (async () => {
        while (attacking) {
          const sent = performance.now() - attackStarted;
          const res = await fetch(`${plan.base}/graphql`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${plan.flooderKey}`,
            },
            body,
          }).catch(() => undefined);
          if (!res) {
            // The server answered before reading the body and closed the connection.
            stats.failed++;
            continue;
          }
          const answer = (await res.json().catch(() => ({}))) as {
            errors?: Array<{ extensions?: { code?: string } }>;
          };
          if (res.status === 429) stats.limited++;
          else if (answer.errors?.[0]?.extensions?.code === 'BAD_USER_INPUT') stats.refused++;
          else {
            stats.served++;
            servedSpans.push([Math.round(sent), Math.round(performance.now() - attackStarted)]);
          }
        }
      })(),
    );
  }
}

process.on('SIGTERM', () => {
  attacking = false;
  for (const timer of timers) clearInterval(timer);
  for (const req of requests) req.destroy();
  void Promise.all(loops).then(() => {
    console.log(JSON.stringify({ ...stats, servedSpans }));
    process.exit(0);
  });
});
console.log('attacking');
