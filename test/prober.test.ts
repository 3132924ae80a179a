import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createProbeClient, probe, type ProbeTarget } from '../src/telemetry/prober';
import { AddressPolicy } from '../src/telemetry/ssrf-guard';

const target = (url: string, overrides: Partial<ProbeTarget> = {}): ProbeTarget => ({
  url,
  method: 'GET',
  expectedStatusCodes: [200],
  timeoutMs: 2000,
  ...overrides,
});

describe('prober SSRF guard (no allow-list)', () => {
  const client = createProbeClient(new AddressPolicy());
  after(() => client.close());

  for (const url of [
    'http://127.0.0.1/',
    'http://[::1]/',
    'http://10.0.0.1/',
    'http://192.168.1.1/',
    'http://172.16.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://224.0.0.1/',
    'http://0.0.0.0/',
    'http://[::ffff:10.0.0.1]/',
    'http://localhost/',
  ]) {
    it(`refuses ${url} without connecting`, async () => {
      const result = await probe(target(url), client);
      assert.equal(result.kind, 'refused', JSON.stringify(result));
    });
  }
});

describe('prober against local test servers', () => {
  let server: http.Server;
  let base: string;
  // The operator allow-list lets the prober reach the test server on 127.0.0.2 and nothing else,
  // so `localhost` (127.0.0.1 here) stands for a name that resolves to a forbidden address.
  const client = createProbeClient(new AddressPolicy(['127.0.0.2/32']));

  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/ok') return res.end('fine');
      if (req.url === '/500') return res.writeHead(500).end('boom');
      if (req.url === '/slow') return setTimeout(() => res.end('late'), 1500);
      if (req.url === '/reset') return req.socket.destroy();
      if (req.url === '/to-metadata')
        return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (req.url === '/to-private-name')
        return res
          .writeHead(302, {
            location: `http://localhost:${(server.address() as AddressInfo).port}/ok`,
          })
          .end();
      if (req.url === '/to-ok') return res.writeHead(301, { location: '/ok' }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    base = `http://127.0.0.2:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('records a good response with its latency', async () => {
    const result = await probe(target(`${base}/ok`), client);
    assert.equal(result.kind, 'sample');
    assert.deepEqual(
      { ...result, latencyMs: undefined },
      { kind: 'sample', latencyMs: undefined, statusCode: 200, errorKind: null },
    );
  });

  it('records a 500 as unexpected_status', async () => {
    assert.deepEqual(
      { ...(await probe(target(`${base}/500`), client)), latencyMs: 0 },
      { kind: 'sample', latencyMs: 0, statusCode: 500, errorKind: 'unexpected_status' },
    );
  });

  it('accepts a 500 when the endpoint expects it', async () => {
    const result = await probe(target(`${base}/500`, { expectedStatusCodes: [500] }), client);
    assert.equal(result.kind === 'sample' && result.errorKind, null);
  });

  it('records a slow server as timeout, with the latency of the timeout', async () => {
    const result = await probe(target(`${base}/slow`, { timeoutMs: 300 }), client);
    assert.equal(result.kind, 'sample');
    if (result.kind !== 'sample') return;
    assert.equal(result.errorKind, 'timeout');
    assert.equal(result.statusCode, null);
    assert.ok(result.latencyMs >= 290 && result.latencyMs < 1500, `latency ${result.latencyMs}`);
  });

  it('records a reset connection as connection', async () => {
    const result = await probe(target(`${base}/reset`), client);
    assert.equal(result.kind === 'sample' && result.errorKind, 'connection');
  });

  it('records a refused port as connection, a bad name as dns, and TLS to a plain server as tls', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.2', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    assert.equal(
      ((await probe(target(`http://127.0.0.2:${port}/`), client)) as { errorKind: string })
        .errorKind,
      'connection',
    );
    assert.equal(
      ((await probe(target('http://no-such-host.invalid/'), client)) as { errorKind: string })
        .errorKind,
      'dns',
    );
    assert.equal(
      (
        (await probe(target(base.replace('http:', 'https:') + '/ok'), client)) as {
          errorKind: string;
        }
      ).errorKind,
      'tls',
    );
  });

  it('follows redirects within the allowed space', async () => {
    const result = await probe(target(`${base}/to-ok`), client);
    assert.equal(result.kind === 'sample' && result.statusCode, 200);
  });

  it('refuses a redirect to the metadata address or to a name resolving to loopback', async () => {
    assert.equal((await probe(target(`${base}/to-metadata`), client)).kind, 'refused');
    assert.equal((await probe(target(`${base}/to-private-name`), client)).kind, 'refused');
  });
});
