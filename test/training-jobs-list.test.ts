import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { useApiFixture } from './helpers/api';
import { ownerQuery } from './helpers/database';
import { makeTenant } from './helpers/factories';

const BIN = path.resolve(__dirname, '../../bin/sentinel.js');

const JOBS = /* GraphQL */ `
  query ($first: Int!, $after: String, $state: TrainingState) {
    trainingJobs(first: $first, after: $after, state: $state) {
      edges {
        cursor
        node {
          id
          state
          maxEpochs
          progress {
            epoch
          }
          modelId
          reason
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

interface JobsResult {
  trainingJobs: {
    edges: Array<{ cursor: string; node: { id: string; state: string; reason: string | null } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** Jobs as the worker leaves them, created a minute apart (the last one newest). */
async function insertJobs(ownerUrl: string, tenantId: string, states: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, state] of states.entries()) {
    const [row] = await ownerQuery<{ id: string }>(
      ownerUrl,
      `insert into training_jobs (tenant_id, state, request, last_event, reason, created_at)
       values ($1, $2, '{"horizonMinutes":15,"epochs":40,"windowDays":28}'::jsonb,
               jsonb_build_object('jobId', gen_random_uuid(), 'seq', 1, 'state', $2::text, 'at', now(), 'attempt', 1,
                                  'maxEpochs', 40, 'epoch', 3, 'loss', null, 'validationLoss', null,
                                  'validationPrAuc', null, 'modelId', null, 'promoted', null,
                                  'evaluation', null, 'reason', null),
               $3, now() - make_interval(mins => $4))
       returning id`,
      [tenantId, state, state === 'FAILED' ? 'not enough data' : null, states.length - i],
    );
    ids.push(row!.id);
  }
  return ids;
}

describe('training jobs list: trainingJobs and sentinel jobs', () => {
  const fx = useApiFixture();
  let ids: string[];

  before(async () => {
    ids = await insertJobs(fx.db.ownerUrl, fx.tenant.id, [
      'COMPLETED',
      'FAILED',
      'CANCELLED',
      'RUNNING',
    ]);
  });

  it('pages through the jobs newest first, filters by state, and shows no other tenant', async () => {
    const key = await fx.tenant.key('read');
    const first = await fx.api.gql<JobsResult>(JOBS, { first: 3 }, key);
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const page1 = first.data!.trainingJobs;
    assert.deepEqual(
      page1.edges.map((e) => e.node.id),
      [ids[3], ids[2], ids[1]],
    );
    assert.equal(page1.pageInfo.hasNextPage, true);
    const second = await fx.api.gql<JobsResult>(
      JOBS,
      { first: 3, after: page1.pageInfo.endCursor },
      key,
    );
    assert.deepEqual(
      second.data!.trainingJobs.edges.map((e) => e.node.id),
      [ids[0]],
    );
    assert.equal(second.data!.trainingJobs.pageInfo.hasNextPage, false);
    const failed = await fx.api.gql<JobsResult>(JOBS, { first: 10, state: 'FAILED' }, key);
    assert.deepEqual(
      failed.data!.trainingJobs.edges.map((e) => [e.node.id, e.node.reason]),
      [[ids[1], 'not enough data']],
    );

    const other = await makeTenant(fx.db.dataSource, 'other');
    const theirs = await fx.api.gql<JobsResult>(JOBS, { first: 10 }, other.adminKey);
    assert.deepEqual(theirs.data!.trainingJobs.edges, []);
    // Our cursor names a row they cannot see: an empty page, not our jobs.
    const borrowed = await fx.api.gql<JobsResult>(
      JOBS,
      { first: 10, after: page1.pageInfo.endCursor },
      other.adminKey,
    );
    assert.deepEqual(borrowed.data!.trainingJobs.edges, []);
    const anonymous = await fx.api.gql(JOBS, { first: 1 });
    assert.equal(anonymous.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });

  it('sentinel jobs prints one readable line per job; logs are readable lines on stderr', () => {
    const env = {
      ...process.env,
      DATABASE_URL: fx.db.ownerUrl,
      APP_DATABASE_URL: fx.db.appUrl,
      REDIS_URL: fx.db.redisUrl,
      LOG_LEVEL: 'debug',
    };
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
    const result = run('jobs', '--tenant', fx.tenant.slug, '--limit', '3');
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 4, result.stdout);
    assert.match(lines[0]!, new RegExp(`${ids[3]}  RUNNING\\s+3/40 epochs`));
    assert.match(lines[2]!, new RegExp(`${ids[1]}  FAILED\\s+3/40 epochs\\s+not enough data$`));
    assert.match(lines[3]!, /more: --limit 6/);
    assert.doesNotMatch(result.stdout + result.stderr, /^\{"level"/m, 'no JSON log lines');

    const json = run('--json', 'jobs', '--tenant', fx.tenant.slug, '--state', 'failed');
    assert.equal(json.status, 0, json.stderr);
    assert.match(json.stdout, new RegExp(`${ids[1]}  FAILED`));
    assert.doesNotMatch(json.stdout, new RegExp(ids[0]!));
    const bad = run('jobs', '--tenant', fx.tenant.slug, '--state', 'sleeping');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--state must be one of QUEUED, RUNNING/);
  });
});
