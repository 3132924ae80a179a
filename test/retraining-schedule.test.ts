import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { CREATE_ENDPOINT, endpointInput, makeTenant } from './helpers/factories';

describe('scheduled retraining for every tenant', () => {
  const fx = useApiFixture();

  /** A tenant with one endpoint and `minutes` minutes of rollups. */
  async function tenantWithData(minutes: number) {
    const tenant = await makeTenant(fx.db.dataSource);
    const created = await fx.api.gql<{ createEndpoint: { id: string } }>(
      CREATE_ENDPOINT,
      { input: endpointInput() },
      tenant.adminKey,
    );
    await ownerQuery(
      fx.db.ownerUrl,
      `insert into rollups_minute (tenant_id, endpoint_id, minute, sample_count, error_count, errors_timeout, errors_connection,
                                   errors_tls, errors_dns, errors_unexpected_status, slow_count, bad_count, latency_p50, latency_p95, latency_p99, latency_max)
       select $1, $2, m, 1, 0, 0, 0, 0, 0, 0, 0, 0, 10, 10, 10, 10
         from generate_series(date_trunc('minute', now()) - make_interval(mins => $3), date_trunc('minute', now()) - interval '1 minute', interval '1 minute') m`,
      [tenant.id, created.data!.createEndpoint.id, minutes],
    );
    return tenant;
  }

  it('picks tenants with a day of new data, unless they turned it off or trained within their period', async () => {
    const due = await tenantWithData(1500);
    const thin = await tenantWithData(100);
    const off = await tenantWithData(1500);
    await fx.api.gql(
      `mutation { setForecastSettings(input: { autoRetrain: false }) { autoRetrain } }`,
      {},
      off.adminKey,
    );
    const ids = async () =>
      (
        await ownerQuery<{ id: string }>(
          fx.db.ownerUrl,
          'select tenants_due_for_retraining(100) as id',
        )
      ).map((r) => r.id);
    const picked = await ids();
    assert.ok(picked.includes(due.id));
    assert.ok(!picked.includes(thin.id), 'not a day of new data');
    assert.ok(!picked.includes(off.id), 'turned off');
    // A job within the period (7 days by default) makes it wait.
    await ownerQuery(
      fx.db.ownerUrl,
      `insert into training_jobs (tenant_id, state, request, last_event) values ($1, 'COMPLETED', '{}', '{}')`,
      [due.id],
    );
    assert.ok(!(await ids()).includes(due.id));
  });
});
