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

function actorId(r: ClaudeCodeRecordLike): string {
  return r.actor.email_address ?? r.actor.api_key_name ?? '(unknown actor)';
}

/**
 * The four known tools have their own columns; every tool, known or not, also lands in the
 * tool_actions JSON. Plain object literals, no spreads: a 31-day window of a large org is ~125k
 * rows, and spreading into fresh objects (dictionary-mode in V8) was the costliest local step.
 */
export function claudeCodeRows(r: ClaudeCodeRecordLike, lineage: Lineage): { productivity: Row; models: Row[] } {
  const day = r.date.slice(0, 10);
  const actorType = r.actor.type;
  const actor = actorId(r);
  const isRemote = r.is_remote ?? false;
  const tools = r.tool_actions ?? {};
  const core = r.core_metrics;
  const productivity: Row = {
    activity_date: day,
    actor_type: actorType,
    actor_id: actor,
    is_remote: isRemote,
    organization_id: r.organization_id ?? null,
    customer_type: r.customer_type ?? null,
    subscription_type: r.subscription_type ?? null,
    terminal_type: r.terminal_type ?? null,
    num_sessions: core.num_sessions,
    lines_added: core.lines_of_code.added,
    lines_removed: core.lines_of_code.removed,
    commits: core.commits_by_claude_code,
    pull_requests: core.pull_requests_by_claude_code,
    edit_tool_accepted: tools.edit_tool?.accepted ?? 0,
    edit_tool_rejected: tools.edit_tool?.rejected ?? 0,
    multi_edit_tool_accepted: tools.multi_edit_tool?.accepted ?? 0,
    multi_edit_tool_rejected: tools.multi_edit_tool?.rejected ?? 0,
    write_tool_accepted: tools.write_tool?.accepted ?? 0,
    write_tool_rejected: tools.write_tool?.rejected ?? 0,
    notebook_edit_tool_accepted: tools.notebook_edit_tool?.accepted ?? 0,
    notebook_edit_tool_rejected: tools.notebook_edit_tool?.rejected ?? 0,
    tool_actions: JSON.stringify(tools),
    run_id: lineage.run_id,
    ingested_at: lineage.ingested_at,
  };
  const breakdown = r.model_breakdown ?? [];
  const models: Row[] = new Array<Row>(breakdown.length);
  for (let i = 0; i < breakdown.length; i++) {
    const m = breakdown[i]!;
    models[i] = {
      activity_date: day,
      actor_type: actorType,
      actor_id: actor,
      is_remote: isRemote,
      model: m.model,
      input_tokens: m.tokens.input,
      output_tokens: m.tokens.output,
      cache_read_tokens: m.tokens.cache_read,
      cache_creation_tokens: m.tokens.cache_creation,
      estimated_cost_currency: m.estimated_cost?.currency ?? null,
      estimated_cost_cents:
        m.estimated_cost == null ? null : parseCents(m.estimated_cost.amount, `claude_code ${day} ${m.model} estimated_cost`),
      run_id: lineage.run_id,
      ingested_at: lineage.ingested_at,
    };
  }
  return { productivity, models };
}
