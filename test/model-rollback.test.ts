import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError } from '../src/errors/app-errors';
import { promoteModel, rollbackModel } from '../src/training/model-registry';
import { withTenant } from '../src/tenancy/with-tenant';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';

describe('rollbackModel', () => {
  const fx = useApiFixture();

  /** Versions 1..3, promoted in turn a day apart: 3 is ACTIVE, 1 and 2 RETIRED. */
  async function threeVersions(): Promise<string[]> {
    const rows = await ownerQuery<{ id: string }>(
      fx.db.ownerUrl,
      `insert into models (tenant_id, version, status, horizon_minutes, feature_names, normalization, hidden_units,
         threshold, training_from, training_to, evaluation, topology, weight_specs, weights, artifact_sha256,
         promoted_at, retired_at)
       select $1, v, case when v = 3 then 'ACTIVE' else 'RETIRED' end, 15, '{}', '{}', '{8}', 0.5,
              now() - interval '9 days', now() - interval '8 days', '{}', '{}', '[]', '', repeat('0', 64),
              now() - (4 - v) * interval '1 day', case when v = 3 then null else now() - (3 - v) * interval '1 day' end
         from generate_series(1, 3) v order by v
       returning id`,
      [fx.tenant.id],
    );
    return rows.map((r) => r.id);
  }

  it('goes further back each time (3 -> 2 -> 1), then has nothing left', async () => {
    const [v1, v2, v3] = await threeVersions();
    const back = () =>
      withTenant(fx.db.dataSource, fx.tenant.id, (m) => rollbackModel(m, fx.tenant.id));
    assert.equal((await back()).id, v2);
    assert.equal((await back()).id, v1, 'the second rollback must not return to version 3');
    await assert.rejects(back(), ConflictError);
    const statuses = await ownerQuery<{ id: string; status: string; promoted: boolean }>(
      fx.db.ownerUrl,
      'select id, status, promoted_at is not null as promoted from models where tenant_id = $1 order by version',
      [fx.tenant.id],
    );
    assert.deepEqual(
      statuses.map((s) => [s.status, s.promoted]),
      [
        ['ACTIVE', true],
        ['RETIRED', false],
        ['RETIRED', false],
      ],
    );
    // Promoting version 3 again, then rolling back, returns to the one active before it.
    await withTenant(fx.db.dataSource, fx.tenant.id, (m) => promoteModel(m, fx.tenant.id, v3!));
    assert.equal((await back()).id, v1);
  });
});
