import assert from 'node:assert/strict';

// The documented shapes receivers accept, checked field by field (no network: tests receive the
// payloads on a local HTTP server). Sources: Slack's Block Kit reference (blocks, header and
// section limits) and PagerDuty's Events API v2 (POST /v2/enqueue).

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A Slack incoming-webhook message: `text` plus up to 50 blocks within their limits. */
export function assertSlackMessage(message: unknown): void {
  const m = message as { text: unknown; blocks: Json[] };
  assert.equal(typeof m.text, 'string');
  assert.ok((m.text as string).length > 0);
  assert.ok(Array.isArray(m.blocks) && m.blocks.length >= 1 && m.blocks.length <= 50);
  for (const block of m.blocks) {
    assert.ok(['header', 'section', 'context', 'divider', 'actions'].includes(block.type));
    if (block.type === 'header') {
      assert.equal(block.text.type, 'plain_text');
      assert.ok(block.text.text.length <= 150, 'header text is at most 150 characters');
    }
    if (block.type === 'section') {
      assert.ok(['mrkdwn', 'plain_text'].includes(block.text.type));
      assert.ok(block.text.text.length <= 3000, 'section text is at most 3,000 characters');
      const fields: Json[] = block.fields ?? [];
      assert.ok(fields.length <= 10);
      for (const field of fields) {
        assert.ok(['mrkdwn', 'plain_text'].includes(field.type));
        assert.ok(field.text.length <= 2000);
      }
    }
    if (block.type === 'context') {
      assert.ok(block.elements.length >= 1 && block.elements.length <= 10);
      for (const element of block.elements)
        assert.ok(['mrkdwn', 'plain_text', 'image'].includes(element.type));
    }
  }
}

/** A PagerDuty Events API v2 event: its documented fields, types and limits. */
export function assertPagerDutyEvent(
  event: unknown,
  action: 'trigger' | 'acknowledge' | 'resolve',
): void {
  const e = event as Json;
  assert.equal(typeof e.routing_key, 'string');
  assert.equal(e.event_action, action);
  assert.equal(typeof e.dedup_key, 'string');
  assert.ok(e.dedup_key.length >= 1 && e.dedup_key.length <= 255);
  if (action !== 'trigger') {
    assert.equal(e.payload, undefined, `${action} needs only the routing and dedup keys`);
    return;
  }
  assert.equal(typeof e.payload.summary, 'string');
  assert.ok(e.payload.summary.length >= 1 && e.payload.summary.length <= 1024);
  assert.equal(typeof e.payload.source, 'string');
  assert.ok(['critical', 'error', 'warning', 'info'].includes(e.payload.severity));
  assert.ok(!Number.isNaN(Date.parse(e.payload.timestamp)), 'timestamp is ISO-8601');
  for (const link of e.links ?? []) assert.equal(typeof link.href, 'string');
}
