import type { IncomingMessage } from 'node:http';
import { Gauge } from 'prom-client';
import { metricsRegistry } from './metrics';

export const refusalsHeld = new Gauge({
  name: 'sentinel_http_refusals_held',
  help: 'Answers to clients whose rate budget is spent (429), held back before they are sent.',
  registers: [metricsRegistry],
});

/**
 * Holds a 429 to a client whose budget is already spent for up to `holdMs` (never past its
 * Retry-After) before sending it. A client that retries as soon as it is answered (a flood on a
 * few connections) is then slowed to one request per connection per hold, instead of hundreds a
 * second that each cost a TCP connection, a log line and CPU on the shared cores. A client that
 * honours Retry-After loses nothing: it would have waited longer than the hold anyway.
 *
 * At most `maxHeld` answers are held at once per process (each holds a socket and a timer);
 * beyond that they are sent at once, as before. A client that disconnects frees its place.
 */
export class RefusalHold {
  private held = 0;

  constructor(
    private readonly holdMs: number,
    private readonly maxHeld: number,
  ) {}

  /** Waits before a refusal whose budget frees up in `retryAfterMs` is sent. */
  async wait(req: IncomingMessage, retryAfterMs: number): Promise<void> {
    const ms = Math.min(this.holdMs, retryAfterMs);
    if (ms <= 0 || this.held >= this.maxHeld) return;
    this.held++;
    refusalsHeld.inc();
    try {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        req.socket.once('close', done);
        function done() {
          clearTimeout(timer);
          req.socket.off('close', done);
          resolve();
        }
      });
    } finally {
      this.held--;
      refusalsHeld.dec();
    }
  }
}
