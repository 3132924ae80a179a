import { describe, percent, slaLine, type DeliveryEvent, type NoticeData } from './notice';

/** Slack's documented limits (Block Kit): header text 150 characters, section text 3,000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** `&`, `<` and `>` are markup in Slack text (`<!channel>` pings everyone): names are escaped. */
const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const EMOJI: Record<DeliveryEvent, string> = {
  BREACH_PREDICTED: ':large_orange_circle:',
  BREACH_STARTED: ':red_circle:',
  RECOVERED: ':large_green_circle:',
  RESOLVED: ':large_green_circle:',
  ACKNOWLEDGED: ':white_check_mark:',
  TEST: ':white_circle:',
};

/**
 * An incoming-webhook message: `text` (the notification and fallback line) plus blocks naming the
 * endpoint, what happened, the risk or the breach, and a link to the status page when public.
 */
export function slackMessage(
  event: DeliveryEvent,
  data: NoticeData,
  publicUrl: string,
): { text: string; blocks: Array<Record<string, unknown>> } {
  const summary = describe(event, data);
  const lines: string[] = [];
  if (event === 'BREACH_PREDICTED' && data.probability !== undefined) {
    const threshold =
      data.threshold !== undefined ? ` (alert threshold ${percent(data.threshold)})` : '';
    lines.push(
      `*Risk:* ${percent(data.probability)} within ${data.horizonMinutes ?? '?'} minutes${threshold}`,
    );
  }
  if (event === 'BREACH_STARTED' && data.minute) lines.push(`*Breach since:* ${data.minute}`);
  if (event === 'RECOVERED' && data.episode)
    lines.push(
      `*Episode:* ${data.episode.start} to ${data.episode.end}, ${data.episode.breachedMinutes} breached minutes`,
    );
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: clip(summary, HEADER_MAX) } },
  ];
  const fields: Array<Record<string, unknown>> = [];
  if (data.endpoint) {
    fields.push({ type: 'mrkdwn', text: `*Endpoint*\n${escape(data.endpoint.name)}` });
    fields.push({ type: 'mrkdwn', text: `*SLA*\n${escape(slaLine(data.endpoint.sla))}` });
  }
  blocks.push({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: clip(
        `${EMOJI[event]} ${escape(summary)}${lines.length ? `\n${lines.join('\n')}` : ''}`,
        SECTION_MAX,
      ),
    },
    ...(fields.length > 0 ? { fields } : {}),
  });
  if (data.statusPagePath)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `<${publicUrl}${data.statusPagePath}|Status page>` }],
    });
  // `text` is read as mrkdwn too (notifications, fallbacks): escaped like the blocks.
  return { text: escape(summary), blocks };
}
