import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { withTimeout } from '../runtime/with-timeout';

/** One counter a charge grows: its Redis key, the points, and its window in seconds. */
export interface CounterCharge {
  key: string;
  points: number;
  seconds: number;
}

/** A counter after a charge: points spent in its window so far, and when the window starts over. */
export interface WindowCount {
  consumed: number;
  msBeforeNext: number;
}

/**
 * Grows each counter by its points, in KEYS order, even past any limit (as rate-limiter-flexible's
 * counters do); a new counter expires at the end of its window. ARGV[2i - 1]: KEYS[i]'s points;
 * ARGV[2i]: its window in seconds. Answers each counter's points and milliseconds left, in KEYS
 * order. A key may appear more than once: later entries see the earlier ones' points.
 */
const SCRIPT = `
local answer = {}
for i, key in ipairs(KEYS) do
  local seconds = ARGV[2 * i]
  redis.call('set', key, 0, 'EX', seconds, 'NX')
  local consumed = redis.call('incrby', key, ARGV[2 * i - 1])
  local ttl = redis.call('pttl', key)
  if ttl < 0 then
    redis.call('expire', key, seconds)
    ttl = 1000 * seconds
  end
  answer[2 * i - 1] = consumed
  answer[2 * i] = ttl
end
return answer`;
const SCRIPT_SHA = crypto.createHash('sha1').update(SCRIPT).digest('hex');

/** Charges per Redis call at most; more wait for the next call. */
const MAX_CHARGES_PER_CALL = 256;

/**
 * How long a call may go unanswered before its charges fail (and the rate limits count in memory
 * instead). A connection that hangs without closing (a half-open socket, a stalled Redis) would
 * otherwise hold every later charge, and so every request, behind the call in flight.
 */
export const CALL_TIMEOUT_MS = 2000;

interface Pending {
  counters: CounterCharge[];
  resolve: (counts: WindowCount[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Rate-limit counters in Redis, charged in as few round trips as the load allows. A charge made
 * while no call is in flight goes out at once, alone, so a lone request waits for one round trip
 * as before; charges made while a call is in flight wait for it and then go out together in the
 * next call (one script, run atomically, in arrival order). Each charge gets exactly the counts it
 * would have got alone, in that order: a budget that runs out halfway through a call refuses the
 * charges after that point and no other. Under load a socket write per request to Redis was, after
 * the database's, the API's largest cost (docs/DECISIONS.md); this turns it into one per round trip.
 */
export class RedisCounters {
  private queue: Pending[] = [];
  private inFlight = false;

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs = CALL_TIMEOUT_MS,
  ) {}

  /** Grows the counters of one charge; rejects (with Redis's error) when the call fails. */
  charge(counters: CounterCharge[]): Promise<WindowCount[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ counters, resolve, reject });
      if (!this.inFlight) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.inFlight = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_CHARGES_PER_CALL);
      const counters = batch.flatMap((p) => p.counters);
      try {
        const answer = await withTimeout(
          this.run(counters),
          this.timeoutMs,
          `Redis did not answer within ${this.timeoutMs} ms`,
        );
        let at = 0;
        for (const pending of batch) {
          pending.resolve(
            pending.counters.map(() => {
              const count = { consumed: answer[2 * at]!, msBeforeNext: answer[2 * at + 1]! };
              at++;
              return count;
            }),
          );
        }
      } catch (err) {
        for (const pending of batch) pending.reject(err);
      }
    }
    this.inFlight = false;
  }

  private async run(counters: CounterCharge[]): Promise<number[]> {
    const keys = counters.map((c) => c.key);
    const args = [...keys, ...counters.flatMap((c) => [c.points, c.seconds])];
    return (await this.redis
      .evalsha(SCRIPT_SHA, keys.length, ...args)
      .catch((err: Error) =>
        err.message.startsWith('NOSCRIPT')
          ? this.redis.eval(SCRIPT, keys.length, ...args)
          : Promise.reject(err),
      )) as number[];
  }
}
