import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

/**
 * A local HTTP server standing in for Slack, PagerDuty or any receiver: it records every POST
 * and answers `status(path)` (204 by default). `url(path)` names it by `localhost`, which the API
 * accepts (it refuses loopback literals) and the SSRF guard resolves at connect time.
 */
export async function startReceiver(): Promise<{
  received: Received[];
  url: (path: string) => string;
  status: Map<string, number>;
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  const status = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // recorded as is
      }
      received.push({ path, headers: req.headers, body, json });
      res.statusCode = status.get(path) ?? 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    received,
    status,
    url: (path) => `http://localhost:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
