import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Endpoint } from '../src/entities/endpoint.entity';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { endpointWithHistory } from './helpers/history';

const RISK = `query($id: ID!) { risk(endpointId: $id) { probability percent level explanations } }`;
const PAGE = `query($slug: String!) { statusPage(slug: $slug) { endpoints { name risk { probability percent level threshold } } } }`;

describe('risk level and explanations with durations', () => {
  const fx = useApiFixture();
  let endpoint: Endpoint;
  let modelId: string;
  const anchor = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);

  /** The endpoint's latest prediction, as the scoring job would store it. */
  const predict = async (probability: number | null, top: unknown[] = []) => {
    await ownerQuery(fx.db.ownerUrl, 'delete from predictions where endpoint_id = $1', [
      endpoint.id,
    ]);
    await ownerQuery(
      fx.db.ownerUrl,
      `insert into predictions (tenant_id, endpoint_id, minute, model_id, probability, above_threshold, top_features, insufficient_reason)
       values ($1, $2, $3, $4, $5::float8, coalesce($5::float8 >= 0.4, false), $6, $7)`,
      [
        fx.tenant.id,
        endpoint.id,
        anchor,
        modelId,
        probability,
        JSON.stringify(top),
        probability === null ? 'only 1 sample in the last 15 minutes (at least 3 needed)' : null,
      ],
    );
  };

  before(async () => {
    // Two hours at about 30% of a 300 ms SLA, then p95 climbing for the last 20 minutes to 85%.
    endpoint = await endpointWithHistory(fx, {
      sla: { latencyThresholdMs: 300, latencyPercentile: 95, errorRateThreshold: 0.05 },
      anchor,
      firstMinute: -120,
      sample: (m, i) => ({
        latencyMs: (m > -20 ? 80 + ((m + 20) / 20) * 170 : 80) + (i % 5) * 2 + (m % 3),
      }),
    });
    await fx.api.gql(
      `mutation($id: ID!) { updateEndpoint(id: $id, input: { name: "Checkout", public: true }) { id } }`,
      { id: endpoint.id },
      fx.tenant.adminKey,
    );
    await fx.api.gql(
      `mutation { publishStatusPage(published: true) { slug } }`,
      {},
      fx.tenant.adminKey,
    );
    [{ id: modelId }] = (await ownerQuery<{ id: string }>(
      fx.db.ownerUrl,
      `insert into models (tenant_id, version, status, horizon_minutes, feature_names, normalization, hidden_units, threshold,
                           training_from, training_to, evaluation, topology, weight_specs, weights, artifact_sha256)
       values ($1, 1, 'ACTIVE', 15, '{}', '{}', '{32,16}', 0.4, now() - interval '2 days', now(), '{}', '{}', '[]', '', repeat('0', 64))
       returning id`,
      [fx.tenant.id],
    )) as [{ id: string }];
  });

  it('says how long the named condition has held: "rising for ~20 min, now 85% of the SLA"', async () => {
    await predict(0.55, [{ name: 'p95_ratio', value: 0.85, contribution: 0.3 }]);
    const { data } = await fx.api.gql<{
      risk: { percent: number; level: string; explanations: string[] };
    }>(RISK, { id: endpoint.id }, await fx.tenant.key('read'));
    assert.equal(data!.risk.level, 'ABOVE');
    assert.equal(data!.risk.percent, 55);
    const [words] = data!.risk.explanations;
    const minutes = Number(/rising for (\d+) min, now 85% of the 300 ms SLA/.exec(words!)?.[1]);
    assert.ok(minutes >= 15 && minutes <= 21, words);
  });

  it('colours the public risk by level, green only below the re-arm level, hidden without data', async () => {
    const read = async () =>
      (
        await fx.api.gql<{
          statusPage: {
            endpoints: Array<{ risk: { percent: number | null; level: string | null } }>;
          };
        }>(PAGE, { slug: fx.tenant.slug })
      ).data!.statusPage.endpoints[0]!.risk;
    const levels: Array<[number | null, string | null, number | null]> = [
      [0.1, 'BELOW', 10],
      [0.2, 'NEAR', 20], // half the 0.4 threshold: the alert's re-arm level
      [0.4, 'ABOVE', 40],
      [null, null, null],
    ];
    for (const [probability, level, percent] of levels) {
      await predict(probability);
      // The page is cached for STATUS_CACHE_SECONDS; each step needs a fresh one.
      await ownerQuery(
        fx.db.ownerUrl,
        'update tenants set status_version = status_version + 1 where id = $1',
        [fx.tenant.id],
      );
      const risk = await read();
      assert.deepEqual([risk.level, risk.percent], [level, percent], `probability ${probability}`);
    }
  });
});
