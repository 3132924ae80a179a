import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApi, useApiFixture, wsRequest } from './helpers/api';

/** Issue 10, item 13: production answers do not spell out the schema through suggestions. */
describe('field suggestions in production', () => {
  const fx = useApiFixture();

  it('leaves "Did you mean" out on HTTP and WebSocket, and keeps it in development', async () => {
    const production = await startTestApi(fx.db, { nodeEnv: 'production' });
    try {
      const http = await production.gql('{ endpointz { id } }', {}, fx.tenant.adminKey);
      const httpMessage = http.errors?.[0]?.message ?? '';
      assert.ok(httpMessage.length > 0, 'the typo is refused');
      assert.doesNotMatch(httpMessage, /Did you mean/);

      const client = production.wsClient(fx.tenant.adminKey);
      try {
        const ws = await wsRequest(client, '{ endpointz { id } }');
        const wsMessage = ws.errors?.[0]?.message ?? '';
        assert.ok(wsMessage.length > 0, 'the typo is refused');
        assert.doesNotMatch(wsMessage, /Did you mean/);
      } finally {
        await client.dispose();
      }
    } finally {
      await production.stop();
    }
    const development = await fx.api.gql('{ endpointz { id } }', {}, fx.tenant.adminKey);
    assert.match(development.errors?.[0]?.message ?? '', /Did you mean/);
  });
});
