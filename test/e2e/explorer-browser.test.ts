import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { useApiFixture } from '../helpers/api';
import { ARTIFACTS, launchChromium } from '../helpers/browser';
import { ownerQuery } from '../helpers/database';

describe('GraphQL explorer in a real browser (headless Chromium)', () => {
  const fx = useApiFixture();
  let browser: Browser;

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it('opens GraphiQL from Sentinel alone, runs { me } with the key entered once', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const origin = new URL(fx.api.url).origin;
    const requested: string[] = [];
    const problems: string[] = [];
    // Every request the page or its workers make, and every CSP refusal or script error.
    context.on('request', (request) => requested.push(request.url()));
    // WebSockets are not requests to Playwright: track them too.
    page.on('websocket', (socket) => requested.push(socket.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text().slice(0, 300));
    });
    page.on('pageerror', (error) => problems.push(error.message.slice(0, 300)));

    const response = await page.goto(`${fx.api.url}/graphql`);
    assert.equal(response!.status(), 200);
    const csp = response!.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /https?:|\*/, 'the CSP names no other host');
    const directives = csp.split(';').map((d) => d.trim());
    for (const name of ['default-src', 'script-src', 'style-src', 'connect-src', 'worker-src']) {
      const directive = directives.find((d) => d.startsWith(`${name} `)) ?? '';
      assert.doesNotMatch(directive, /unsafe/, `${name} allows no inline code`);
    }
    assert.equal(await page.title(), 'Sentinel GraphQL explorer');

    await page.fill('#sentinel-api-key', fx.tenant.adminKey);
    await page.click('text=Use key');
    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor();
    // Replace the default query through the editor, as a person would type it.
    await page.locator('.graphiql-query-editor .monaco-editor').first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('{ me { slug');
    await page.keyboard.press('Escape'); // the completion list
    await page.keyboard.press('Control+Enter');
    const result = page.locator('.graphiql-response');
    await result.getByText(fx.tenant.slug).first().waitFor({ timeout: 30_000 });
    assert.match((await result.innerText()).replace(/\s+/g, ' '), /"me":/);
    await page.keyboard.press('Escape'); // a completion list may have come back
    await result.click();
    await page.screenshot({ path: path.join(ARTIFACTS, 'explorer.png') });

    // The key is stored once: a reload keeps it, and the explorer's requests carry it.
    await page.reload();
    assert.equal(await page.inputValue('#sentinel-api-key'), fx.tenant.adminKey);

    // A subscription goes over graphql-ws with the same key: a job's current state comes first.
    const [job] = await ownerQuery<{ id: string }>(
      fx.db.ownerUrl,
      `insert into training_jobs (tenant_id, state, request, last_event)
       values ($1, 'RUNNING', '{"horizonMinutes":15,"epochs":40,"windowDays":28}'::jsonb,
               jsonb_build_object('jobId', gen_random_uuid(), 'seq', 1, 'state', 'RUNNING', 'at', now(),
                 'attempt', 1, 'maxEpochs', 40, 'epoch', 7, 'loss', null, 'validationLoss', null,
                 'validationPrAuc', null, 'modelId', null, 'promoted', null, 'evaluation', null,
                 'reason', null))
       returning id`,
      [fx.tenant.id],
    );
    const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await editor.waitFor();
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(
      `subscription { trainingProgress(jobId: "${job!.id}") { state epoch } }`,
    );
    await page.keyboard.press('Control+Enter');
    await result
      .getByText('RUNNING')
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(async (err: Error) => {
        await page.screenshot({ path: path.join(ARTIFACTS, 'explorer-subscription.png') });
        throw new Error(`${err.message}\nproblems: ${problems.join('\n')}`);
      });
    assert.ok(
      requested.some((url) => url.startsWith(origin.replace('http', 'ws'))),
      'the subscription used the WebSocket on this origin',
    );

    // This origin's host, over HTTP or WebSocket; data: URLs stay in the page.
    const host = new URL(origin).host;
    const elsewhere = requested.filter(
      (url) => !url.startsWith('data:') && new URL(url).host !== host,
    );
    assert.deepEqual(elsewhere, [], 'no request leaves the machine');
    assert.ok(requested.some((url) => url.endsWith('/graphql/assets/explorer.js')));
    assert.deepEqual(
      problems.filter((p) => /Content Security Policy|Refused to/i.test(p)),
      [],
      'nothing refused by the CSP',
    );
    await context.close();
  });

  it('serves a home page linking the explorer, /status and the docs', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${fx.api.url}/`);
    assert.equal(response!.status(), 200);
    const links = await page
      .locator('a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(links.includes('/graphql') && links.includes('/status'), String(links));
    assert.match(await page.innerText('body'), /docs\/OPERATIONS\.md/);
    await page.close();
  });

  it('still answers programs on GET /graphql, and never shows Apollo’s CDN landing page', async () => {
    const json = await fetch(`${fx.api.url}/graphql?query=%7B__typename%7D`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    assert.equal(json.status, 200);
    assert.deepEqual(await json.json(), { data: { __typename: 'Query' } });
    const html = await (
      await fetch(`${fx.api.url}/graphql`, { headers: { accept: 'text/html' } })
    ).text();
    assert.doesNotMatch(html, /apollographql|embeddable-sandbox|cdn\./i);
    const missing = await fetch(`${fx.api.url}/graphql/assets/../../package.json`);
    assert.notEqual(missing.status, 200);
  });
});
