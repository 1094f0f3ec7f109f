/**
 * usage_report/claude_code records → claude_code_productivity (activity, no cost) and
 * claude_code_model_usage (per-model tokens and the ESTIMATED cost, kept apart so nobody sums it
 * into billed cost by accident).
 */
import { parseCents } from '../util/money.js';
import type { Row } from '../warehouse/tables.js';
import type { Lineage } from './lineage.js';

export interface ClaudeCodeRecordLike {
  date: string;
  actor: { type: string; email_address?: string | null; api_key_name?: string | null };
  organization_id?: string | null;
  customer_type?: string | null;
  subscription_type?: string | null;
  terminal_type?: string | null;
  is_remote?: boolean | null;
  core_metrics: {
    num_sessions: number;
    lines_of_code: { added: number; removed: number };
    commits_by_claude_code: number;
    pull_requests_by_claude_code: number;
  };
  tool_actions?: Record<string, { accepted?: number | null; rejected?: number | null } | null> | null;
  model_breakdown?: Array<{
    model: string;
    tokens: { input: number; output: number; cache_read: number; cache_creation: number };
    estimated_cost?: { currency?: string | null; amount: number | string } | null;
  }> | null;
}

/** Tools with their own columns; every tool, known or not, also lands in the tool_actions JSON. */
export const KNOWN_TOOLS = ['edit_tool', 'multi_edit_tool', 'write_tool', 'notebook_edit_tool'] as const;

function actorId(r: ClaudeCodeRecordLike): string {
  return r.actor.email_address ?? r.actor.api_key_name ?? '(unknown actor)';
}

export function claudeCodeRows(r: ClaudeCodeRecordLike, lineage: Lineage): { productivity: Row; models: Row[] } {
  const day = r.date.slice(0, 10);
  const key = {
    activity_date: day,
    actor_type: r.actor.type,
    actor_id: actorId(r),
    is_remote: r.is_remote ?? false,
  };
  const tools = r.tool_actions ?? {};
  const toolColumns: Row = {};
  for (const tool of KNOWN_TOOLS) {
    toolColumns[`${tool}_accepted`] = tools[tool]?.accepted ?? 0;
    toolColumns[`${tool}_rejected`] = tools[tool]?.rejected ?? 0;
  }
  const productivity: Row = {
    ...key,
    organization_id: r.organization_id ?? null,
    customer_type: r.customer_type ?? null,
    subscription_type: r.subscription_type ?? null,
    terminal_type: r.terminal_type ?? null,
    num_sessions: r.core_metrics.num_sessions,
    lines_added: r.core_metrics.lines_of_code.added,
    lines_removed: r.core_metrics.lines_of_code.removed,
    commits: r.core_metrics.commits_by_claude_code,
    pull_requests: r.core_metrics.pull_requests_by_claude_code,
    ...toolColumns,
    tool_actions: JSON.stringify(tools),
    ...lineage,
  };
  const models = (r.model_breakdown ?? []).map((m) => ({
    ...key,
    model: m.model,
    input_tokens: m.tokens.input,
    output_tokens: m.tokens.output,
    cache_read_tokens: m.tokens.cache_read,
    cache_creation_tokens: m.tokens.cache_creation,
    estimated_cost_currency: m.estimated_cost?.currency ?? null,
    estimated_cost_cents:
      m.estimated_cost == null ? null : parseCents(m.estimated_cost.amount, `claude_code ${day} ${m.model} estimated_cost`),
    ...lineage,
  }));
  return { productivity, models };
}
