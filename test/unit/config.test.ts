import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config';

describe('loadConfig', () => {
  it('has the documented defaults without any environment', () => {
    const config = loadConfig({});
    assert.equal(config.port, 4000);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.queuePrefix, 'sentinel');
    assert.deepEqual(config.probeAllowNetworks, []);
    assert.deepEqual(config.globalAggregate, {
      minTenants: 3,
      maxRowsPerTenant: 200_000,
      maxShare: 0.25,
      minRowsPerTenant: 1000,
    });
    assert.equal(config.statusCacheSeconds, 60);
    assert.equal(config.jobs.trainingTimeoutMs, 3_600_000);
  });

  it('parses what is given', () => {
    const config = loadConfig({
      SENTINEL_QUEUE_PREFIX: 'blue',
      PROBE_ALLOW_NETWORKS: ' 10.1.0.0/16 , ::1/128,',
      GLOBAL_MIN_TENANTS: '5',
      GLOBAL_MAX_SHARE: '0.5',
      STATUS_CACHE_SECONDS: '0',
      LOG_LEVEL: 'debug',
    });
    assert.equal(config.queuePrefix, 'blue');
    assert.deepEqual(config.probeAllowNetworks, ['10.1.0.0/16', '::1/128']);
    assert.equal(config.globalAggregate.minTenants, 5);
    assert.equal(config.globalAggregate.maxShare, 0.5);
    assert.equal(config.statusCacheSeconds, 0);
    assert.equal(config.logLevel, 'debug');
  });

  it('refuses a malformed value and names its variable', () => {
    const refusals: Array<[Record<string, string>, RegExp]> = [
      [{ GLOBAL_MIN_TENANTS: 'three' }, /^GLOBAL_MIN_TENANTS must be a positive integer/],
      [{ GLOBAL_MAX_ROWS_PER_TENANT: '1.5' }, /^GLOBAL_MAX_ROWS_PER_TENANT must be/],
      [{ GLOBAL_MAX_SHARE: '1.5' }, /^GLOBAL_MAX_SHARE must be a number in \(0, 1\]/],
      [{ GLOBAL_MAX_SHARE: '0' }, /^GLOBAL_MAX_SHARE must be/],
      [{ STATUS_CACHE_SECONDS: '-1' }, /^STATUS_CACHE_SECONDS must be an integer of at least 0/],
      [{ PROBE_ALLOW_NETWORKS: '10.0.0.0/33' }, /^PROBE_ALLOW_NETWORKS: "10.0.0.0\/33"/],
      [{ PROBE_ALLOW_NETWORKS: 'intranet' }, /^PROBE_ALLOW_NETWORKS: "intranet" is not a CIDR/],
      [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error, warn, info/],
      [{ DB_POOL_SIZE: ' ' }, /^DB_POOL_SIZE must be a positive integer/],
      // Past a Node timer's longest delay a limit would fire at once (and PostgreSQL refuses a
      // statement_timeout that large): every duration in milliseconds is bounded.
      [
        { TRAINING_TIMEOUT_MS: '2147483648' },
        /^TRAINING_TIMEOUT_MS must be a positive integer and at most 2147483647/,
      ],
      [
        { GRAPHQL_EXECUTION_TIMEOUT_MS: '2592000000' },
        /^GRAPHQL_EXECUTION_TIMEOUT_MS must be a positive integer and at most 2147483647/,
      ],
      [
        { DB_STATEMENT_TIMEOUT_MS: '9999999999' },
        /^DB_STATEMENT_TIMEOUT_MS must be a positive integer and at most 2147483647/,
      ],
      [
        { SENTINEL_KEY_CACHE_MS: '2147483648' },
        /^SENTINEL_KEY_CACHE_MS must be an integer of at least 0 and at most 2147483647/,
      ],
    ];
    for (const [env, message] of refusals) {
      assert.throws(() => loadConfig(env), { message }, JSON.stringify(env));
    }
  });
});
