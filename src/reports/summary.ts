/** The short summary `demo` prints: where the money went and who used what, with names not ids. */
import { formatUsd } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';

export interface DemoSummary {
  from: string | null;
  to: string | null;
  totalUsd: string;
  byWorkspace: Array<{ name: string; usd: string }>;
  byModel: Array<{ model: string; usd: string }>;
  topKeys: Array<{ name: string; tokens: number }>;
  topClaudeCodeUsers: Array<{ actor: string; sessions: number }>;
}

export async function demoSummary(wh: Warehouse): Promise<DemoSummary> {
  const t = (n: string) => wh.dialect.table(n);
  const [total] = await wh.query(
    `SELECT MIN(activity_date) AS first_day, MAX(activity_date) AS last_day, ${wh.dialect.toText(`COALESCE(${wh.dialect.sumExact('amount_usd')}, 0)`)} AS usd FROM ${t('claude_costs')}`,
  );
  const byWorkspace = await wh.query(
    `SELECT COALESCE(w.name, c.workspace_id, 'default') AS name, ${wh.dialect.toText(wh.dialect.sumExact('c.amount_usd'))} AS usd
       FROM ${t('claude_costs')} c LEFT JOIN ${t('claude_workspaces')} w ON w.id = c.workspace_id
      GROUP BY 1 ORDER BY SUM(c.amount_usd) DESC`,
  );
  const byModel = await wh.query(
    `SELECT COALESCE(model, '(non-token costs)') AS model, ${wh.dialect.toText(wh.dialect.sumExact('amount_usd'))} AS usd
       FROM ${t('claude_costs')} GROUP BY 1 ORDER BY SUM(amount_usd) DESC`,
  );
  const topKeys = await wh.query(
    `SELECT COALESCE(k.name, u.api_key_id, 'console') AS name,
            SUM(u.uncached_input_tokens + u.cache_read_input_tokens + u.cache_creation_5m_input_tokens + u.cache_creation_1h_input_tokens + u.output_tokens) AS tokens
       FROM ${t('claude_usage_keys')} u LEFT JOIN ${t('claude_api_keys')} k ON k.id = u.api_key_id
      GROUP BY 1 ORDER BY 2 DESC LIMIT 5`,
  );
  const topUsers = await wh.query(
    `SELECT actor_id AS actor, SUM(num_sessions) AS sessions FROM ${t('claude_code_productivity')}
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`,
  );
  return {
    from: (total?.first_day as string | null) ?? null,
    to: (total?.last_day as string | null) ?? null,
    totalUsd: String(total?.usd ?? '0'),
    byWorkspace: byWorkspace.map((r) => ({ name: String(r.name), usd: String(r.usd) })),
    byModel: byModel.map((r) => ({ model: String(r.model), usd: String(r.usd) })),
    topKeys: topKeys.map((r) => ({ name: String(r.name), tokens: Number(r.tokens) })),
    topClaudeCodeUsers: topUsers.map((r) => ({ actor: String(r.actor), sessions: Number(r.sessions) })),
  };
}

export function renderDemoSummary(s: DemoSummary): string {
  const lines = [`Total cost ${s.from ?? '-'}..${s.to ?? '-'}: ${formatUsd(s.totalUsd)} (exact: ${s.totalUsd} USD)`, '', 'Cost by workspace:'];
  for (const w of s.byWorkspace) lines.push(`  ${w.name.padEnd(28)} ${formatUsd(w.usd).padStart(14)}`);
  lines.push('', 'Cost by model:');
  for (const m of s.byModel) lines.push(`  ${m.model.padEnd(28)} ${formatUsd(m.usd).padStart(14)}`);
  lines.push('', 'Top 5 API keys by tokens:');
  for (const k of s.topKeys) lines.push(`  ${k.name.padEnd(28)} ${k.tokens.toLocaleString('en-US').padStart(16)}`);
  lines.push('', 'Top 5 Claude Code users by sessions:');
  for (const u of s.topClaudeCodeUsers) lines.push(`  ${u.actor.padEnd(36)} ${String(u.sessions).padStart(8)}`);
  return lines.join('\n');
}
