import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useApiFixture } from './helpers/api';

describe('the API process and TensorFlow', () => {
  const fx = useApiFixture();

  it('never loads TensorFlow.js, so training can never stall requests', async () => {
    await fx.api.gql('{ me { slug } }', {}, fx.tenant.adminKey);
    await fetch(`${fx.api.url}/status`);
    const loaded = Object.keys(require.cache).filter((path) => path.includes('@tensorflow'));
    assert.deepEqual(loaded, []);
    assert.ok(
      Object.keys(require.cache).some((path) => path.includes('@apollo/server')),
      'the check sees what the API loaded',
    );
  });
});
