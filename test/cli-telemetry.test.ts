import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { syntheticHistory } from '../src/demo/synthetic-history';
import { slaSummary } from '../src/telemetry/sla';
import { Endpoint } from '../src/entities/endpoint.entity';
import { tenantIdBySlug } from '../src/services/tenants';
import { withTenant } from '../src/tenancy/with-tenant';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { makeTenant } from './helpers/factories';
import { createEndpoint } from '../src/services/endpoints';
import { HttpMethod } from '../src/schema/enums';

const BIN = path.resolve(__dirname, '../../bin/sentinel.js');

describe('CLI: import and demo', () => {
  let db: TestDatabase;
  let dir: string;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        DATABASE_URL: db.ownerUrl,
        APP_DATABASE_URL: db.appUrl,
        REDIS_URL: db.redisUrl,
        LOG_LEVEL: 'warn',
      },
    });

  before(async () => {
    db = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-cli-'));
  });
  after(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('imports a CSV for one endpoint, rolls it up, and imports the same file only once', async () => {
    const tenant = await makeTenant(db.dataSource);
    const endpoint = await withTenant(db.dataSource, tenant.id, (m) =>
      createEndpoint(m, tenant.id, {
        name: 'imported',
        url: 'https://imported.example',
        method: HttpMethod.GET,
        expectedStatusCodes: [200],
        probeEnabled: false,
        public: false,
        probeIntervalSeconds: 60,
        timeoutMs: 1000,
        sla: {
          latencyThresholdMs: 200,
          latencyPercentile: 95,
          errorRateThreshold: 0.05,
          windowMinutes: 5,
          availabilityTarget: 0.99,
        },
      }),
    );
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
    const lines = ['observedAt,latencyMs,statusCode,errorKind'];
    for (let i = 0; i < 120; i++)
      lines.push(`${new Date(minute + i * 30_000).toISOString()},${50 + i},200,`);
    lines.push(`${new Date(minute).toISOString()},-3,200,`);
    const file = path.join(dir, 'history.csv');
    fs.writeFileSync(file, lines.join('\n'));

    const first = run('import', file, '--endpoint', endpoint.id);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /imported 120 rows, rejected 1, 60 minutes rolled up/);
    assert.match(first.stdout, /row 120: latencyMs: negative/);
    const second = run('import', file, '--endpoint', endpoint.id);
    assert.match(second.stdout, /already imported/);
    const [counts] = await withTenant(db.dataSource, tenant.id, (m) =>
      m.query(
        'select (select count(*)::int from samples) as samples, (select sum(sample_count)::int from rollups_minute) as rolled',
      ),
    );
    assert.deepEqual(counts, { samples: 120, rolled: 120 });
  });

  it('generates the same synthetic history for the same seed, with outages and bursts', () => {
    const options = {
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-01-15T00:00:00Z'),
      samplesPerMinute: 2,
      seed: 7,
    };
    const profile = { endpointId: 'e', baseLatencyMs: 100, timeoutMs: 5000 };
    const a = [...syntheticHistory(profile, options)];
    const b = [...syntheticHistory(profile, options)];
    assert.deepEqual(a, b);
    assert.equal(a.length, 14 * 1440 * 2);
    assert.ok(
      a.some((s) => s.errorKind === 'timeout'),
      'an outage',
    );
    assert.ok(
      a.some((s) => s.errorKind === 'unexpected_status'),
      'an error burst',
    );
    const dayMedian = (hour: number) => {
      const values = a
        .filter((s) => new Date(String(s.observedAt)).getUTCHours() === hour && !s.errorKind)
        .map((s) => Number(s.latencyMs))
        .sort((x, y) => x - y);
      return values[Math.floor(values.length / 2)]!;
    };
    assert.ok(dayMedian(12) > dayMedian(3) * 1.4, 'busier and slower at midday than at night');
  });

  it('`sentinel demo` makes a labelled synthetic tenant with believable SLA figures', async () => {
    const result = run('demo', '--days', '7');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /synthetic samples over 7 days/);
    const tenantId = (await tenantIdBySlug(db.dataSource, 'demo'))!;
    const endpoints = await withTenant(db.dataSource, tenantId, (m) => m.find(Endpoint));
    assert.equal(endpoints.length, 4);
    assert.ok(endpoints.every((e) => e.name.startsWith('[synthetic]') && !e.probeEnabled));
    for (const endpoint of endpoints) {
      const sla = await withTenant(db.dataSource, tenantId, (m) => slaSummary(m, endpoint));
      assert.ok(
        sla.availability! > 0.9 && sla.availability! < 1,
        `availability ${sla.availability}`,
      );
    }
    assert.match(run('demo', '--days', '7').stdout, /tenant demo exists already; not seeded again/);
  });
});
