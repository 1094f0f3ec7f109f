/** The short summary `demo` prints: where the money went and who used what, with names not ids. */
import { formatUsd } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { claudeCodeByUser, dataSpan, spendBy, tokensByApiKey, totalSpend } from './queries.js';

export interface DemoSummary {
  from: string | null;
  to: string | null;
  totalUsd: string;
  byWorkspace: Array<{ name: string; usd: string }>;
  byModel: Array<{ model: string; usd: string }>;
  topKeys: Array<{ name: string; tokens: number }>;
  topClaudeCodeUsers: Array<{ actor: string; sessions: number }>;
}

/** Built on the report queries (src/reports/queries.ts), so the demo and `report` never disagree. */
export async function demoSummary(wh: Warehouse, organizationIds?: string[]): Promise<DemoSummary> {
  const span = await dataSpan(wh);
  if (!span) return { from: null, to: null, totalUsd: '0', byWorkspace: [], byModel: [], topKeys: [], topClaudeCodeUsers: [] };
  // organizationIds: one organization's summary (demo --orgs); absent: every organization summed.
  const f = { from: span.from, to: span.to, ...(organizationIds ? { organizationIds } : {}) };
  const total = await totalSpend(wh, f);
  const keys = await tokensByApiKey(wh, f);
  const users = await claudeCodeByUser(wh, f);
  return {
    from: span.from,
    to: span.to,
    totalUsd: total.usd,
    byWorkspace: (await spendBy(wh, f, 'workspace')).map((r) => ({ name: r.name, usd: r.usd })),
    byModel: (await spendBy(wh, f, 'model')).map((r) => ({ model: r.name, usd: r.usd })),
    topKeys: keys.slice(0, 5).map((k) => ({ name: k.name, tokens: k.all_input_tokens + k.output_tokens })),
    topClaudeCodeUsers: users.slice(0, 5).map((u) => ({ actor: u.actor, sessions: u.sessions })),
  };
}

export function renderDemoSummary(s: DemoSummary): string {
  const lines = [`Total cost ${s.from ?? '-'}..${s.to ?? '-'}: ${formatUsd(s.totalUsd)} (exact: ${s.totalUsd} USD)`, '  API usage from cost_report only: products outside cost_report and configured fees are not in it (reconcile and report --by product show them)', '', 'Cost by workspace:'];
  for (const w of s.byWorkspace) lines.push(`  ${w.name.padEnd(28)} ${formatUsd(w.usd).padStart(14)}`);
  lines.push('', 'Cost by model:');
  for (const m of s.byModel) lines.push(`  ${m.model.padEnd(28)} ${formatUsd(m.usd).padStart(14)}`);
  lines.push('', 'Top 5 API keys by tokens:');
  for (const k of s.topKeys) lines.push(`  ${k.name.padEnd(28)} ${k.tokens.toLocaleString('en-US').padStart(16)}`);
  lines.push('', 'Top 5 Claude Code users by sessions:');
  for (const u of s.topClaudeCodeUsers) lines.push(`  ${u.actor.padEnd(36)} ${String(u.sessions).padStart(8)}`);
  return lines.join('\n');
}
