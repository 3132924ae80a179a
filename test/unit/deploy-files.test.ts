import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { TENANT_SERIES } from '../../src/http/tenant-metrics';

const ROOT = path.resolve(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** Every Sentinel series an expression names; it must name at least one, and only real ones. */
function assertNamesOurSeries(expr: string, where: string): void {
  const names = expr.match(/\bsentinel_[a-z_]+\b/g) ?? [];
  assert.ok(names.length > 0, `${where} names no Sentinel series: ${expr}`);
  for (const name of names) {
    assert.ok(
      (TENANT_SERIES as readonly string[]).includes(name),
      `${where} names ${name}, which /metrics/tenant does not export`,
    );
  }
}

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; expr: string; for?: string }> }>;
}

describe('deploy/ files for Prometheus and Grafana', () => {
  it('alert rules parse and name only series Sentinel exports', () => {
    const rules = yaml.load(read('deploy/prometheus/sentinel-rules.yml')) as RuleFile;
    const all = rules.groups.flatMap((g) => g.rules);
    assert.ok(all.length >= 4);
    for (const rule of all) {
      assert.ok(rule.alert && /^[A-Za-z][A-Za-z0-9]*$/.test(rule.alert), JSON.stringify(rule));
      assertNamesOurSeries(rule.expr, rule.alert);
    }
    const windows = all.flatMap((r) => [...r.expr.matchAll(/window="([^"]+)"/g)].map((m) => m[1]));
    for (const window of windows) assert.ok(['5m', '30m', '1h', '6h'].includes(window!), window);
  });

  it('the scrape example authenticates with a Bearer key against /metrics/tenant', () => {
    const config = yaml.load(read('deploy/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: Array<{ metrics_path: string; authorization?: { type: string } }>;
    };
    assert.deepEqual(config.rule_files, ['sentinel-rules.yml']);
    const tenant = config.scrape_configs.find((c) => c.metrics_path === '/metrics/tenant');
    assert.equal(tenant?.authorization?.type, 'Bearer');
  });

  it('the Grafana dashboard has a data source variable and queries only our series', () => {
    const dashboard = JSON.parse(read('deploy/grafana/sentinel-slo.json')) as {
      templating: { list: Array<{ name: string; type: string; query: unknown }> };
      panels: Array<{
        title: string;
        datasource: { uid: string };
        targets: Array<{ expr: string; datasource: { uid: string } }>;
      }>;
    };
    const variable = dashboard.templating.list.find((v) => v.type === 'datasource');
    assert.equal(variable?.query, 'prometheus');
    assert.ok(dashboard.panels.length >= 6);
    for (const panel of dashboard.panels) {
      assert.equal(panel.datasource.uid, `\${${variable!.name}}`, panel.title);
      for (const target of panel.targets) {
        assert.equal(target.datasource.uid, `\${${variable!.name}}`, panel.title);
        assertNamesOurSeries(target.expr, panel.title);
      }
    }
  });

  it('promtool accepts the rules and their unit tests, where promtool is installed', (t) => {
    const probe = spawnSync('promtool', ['--version']);
    if (probe.error) return t.skip('promtool is not installed (apt-get install prometheus)');
    const cwd = path.join(ROOT, 'deploy/prometheus');
    const check = spawnSync('promtool', ['check', 'rules', 'sentinel-rules.yml'], { cwd });
    assert.equal(check.status, 0, String(check.stdout) + String(check.stderr));
    const unit = spawnSync('promtool', ['test', 'rules', 'sentinel-rules.test.yml'], { cwd });
    assert.equal(unit.status, 0, String(unit.stdout) + String(unit.stderr));
  });
});
