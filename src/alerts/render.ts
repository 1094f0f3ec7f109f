/**
 * One event, four renderings: plain text (CLI, email), Slack Block Kit, the versioned webhook body and
 * email HTML. Every figure shown was computed exactly; only the rendering rounds to cents.
 */
import type { AlertEvent } from './types.js';

export const WEBHOOK_BODY_VERSION = 1;

export interface RenderContext {
  dashboardUrl?: string;
  toolVersion: string;
  /** Printable warehouse location (never credentials). */
  warehouse: string;
}

const ICON = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' } as const;

export function renderText(e: AlertEvent, ctx: Pick<RenderContext, 'dashboardUrl'>): string {
  const lines = [`[${e.severity.toUpperCase()}] ${e.title}`, e.text, ...e.details];
  if (ctx.dashboardUrl) lines.push(`Dashboard: ${ctx.dashboardUrl}`);
  return lines.join('\n');
}

/** Slack's mrkdwn treats &, < and > as markup. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderSlack(e: AlertEvent, ctx: Pick<RenderContext, 'dashboardUrl'>): { text: string; blocks: unknown[] } {
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: e.title.slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: `${ICON[e.severity]} ${slackEscape(e.text)}` } },
  ];
  if (e.details.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: e.details.map((d) => `• ${slackEscape(d)}`).join('\n') } });
  const context = [{ type: 'mrkdwn', text: `claude-ingest · ${e.rule} · ${slackEscape(e.period)}` }];
  if (ctx.dashboardUrl) context.push({ type: 'mrkdwn', text: `<${ctx.dashboardUrl}|Open the dashboard>` });
  blocks.push({ type: 'context', elements: context });
  return { text: `${e.title}: ${e.text}`, blocks };
}

export interface WebhookBody {
  version: typeof WEBHOOK_BODY_VERSION;
  event: {
    key: string;
    rule: AlertEvent['rule'];
    subject: string;
    period: string;
    level: string;
    severity: AlertEvent['severity'];
    title: string;
    text: string;
    details: string[];
    figures: AlertEvent['figures'];
  };
  dashboard_url: string | null;
  source: { tool: 'claude-ingest'; version: string; warehouse: string };
  sent_at: string;
}

export function renderWebhook(e: AlertEvent, ctx: RenderContext, sentAt: string): WebhookBody {
  return {
    version: WEBHOOK_BODY_VERSION,
    event: { key: e.key, rule: e.rule, subject: e.subject, period: e.period, level: e.level, severity: e.severity, title: e.title, text: e.text, details: e.details, figures: e.figures },
    dashboard_url: ctx.dashboardUrl ?? null,
    source: { tool: 'claude-ingest', version: ctx.toolVersion, warehouse: ctx.warehouse },
    sent_at: sentAt,
  };
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderEmail(e: AlertEvent, ctx: Pick<RenderContext, 'dashboardUrl'>): { subject: string; text: string; html: string } {
  const details = e.details.length > 0 ? `<ul>${e.details.map((d) => `<li>${html(d)}</li>`).join('')}</ul>` : '';
  const link = ctx.dashboardUrl ? `<p><a href="${html(ctx.dashboardUrl)}">Open the dashboard</a></p>` : '';
  return {
    subject: `[claude-ingest] ${e.title}`,
    text: renderText(e, ctx),
    html: `<!doctype html><html><body><h2>${html(e.title)}</h2><p>${html(e.text)}</p>${details}${link}<p style="color:#666">claude-ingest · ${html(e.rule)} · ${html(e.period)}</p></body></html>`,
  };
}
