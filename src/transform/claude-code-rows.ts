/**
 * usage_report/claude_code records → claude_code_productivity (activity, no cost) and
 * claude_code_model_usage (per-model tokens and the ESTIMATED cost, kept apart so nobody sums it
 * into billed cost by accident). One record is one actor's activity on one day.
 */
import type { ClaudeCodeRecord } from '../source/schemas.js';
import { leadingDay } from '../util/dates.js';
import { parseCents } from '../util/money.js';
import type { RowOf } from '../warehouse/tables.js';
import { actorIdentity } from './actor.js';
import { unmappedFields, type FieldSpec } from './extra.js';
import type { WindowTally } from './tally.js';

/** What the productivity row maps; the actor's other fields and model_breakdown are handled apart. */
const RECORD_FIELDS: FieldSpec = {
  date: true,
  actor: true,
  organization_id: true,
  customer_type: true,
  subscription_type: true,
  terminal_type: true,
  core_metrics: {
    num_sessions: true,
    lines_of_code: { added: true, removed: true },
    commits_by_claude_code: true,
    pull_requests_by_claude_code: true,
  },
  tool_actions: true,
  model_breakdown: true,
};

const MODEL_FIELDS: FieldSpec = {
  model: true,
  tokens: { input: true, output: true, cache_read: true, cache_creation: true },
  estimated_cost: { currency: true, amount: true },
};

/**
 * The four known tools have their own columns; every tool, known or not, also lands in the
 * tool_actions JSON. Plain object literals, no spreads: a 31-day window of a large org is ~125k
 * rows, and spreading into fresh objects (dictionary-mode in V8) was the costliest local step.
 */
export function claudeCodeRows(
  r: ClaudeCodeRecord,
  tally: WindowTally,
  /** The organization the key belongs to (organizations/me): the window writer stamps it as organization_id. */
  tenant: string | null = null,
): { productivity: RowOf<'claude_code_productivity'>; models: RowOf<'claude_code_model_usage'>[] } {
  const day = leadingDay(r.date, 'Claude Code record date');
  const { actorType, actorId, field } = actorIdentity(r.actor);
  const tools = r.tool_actions;
  const core = r.core_metrics;
  // The actor's fields beyond its type and identifying field (all of them for an unknown shape).
  const actorRest = unmappedFields(r.actor, field === null ? { type: true } : { type: true, [field]: true });
  let extra = unmappedFields(r, RECORD_FIELDS);
  if (actorRest) extra = { ...extra, actor: actorRest };
  // organization_id is the tenant's, stamped by the window writer; a record that names another id (or
  // any, when the tenant is unknown) keeps it in extra.
  if (r.organization_id !== null && r.organization_id !== tenant) extra = { ...extra, organization_id: r.organization_id };
  const productivity: RowOf<'claude_code_productivity'> = {
    activity_date: day,
    actor_type: actorType,
    actor_id: actorId,
    customer_type: r.customer_type,
    subscription_type: r.subscription_type,
    terminal_type: r.terminal_type,
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
    extra: tally.extraColumn('claude_code_productivity', day, extra),
  };
  const breakdown = r.model_breakdown;
  const models = new Array<RowOf<'claude_code_model_usage'>>(breakdown.length);
  for (let i = 0; i < breakdown.length; i++) {
    const m = breakdown[i]!;
    models[i] = {
      activity_date: day,
      actor_type: actorType,
      actor_id: actorId,
      customer_type: r.customer_type,
      model: m.model,
      input_tokens: m.tokens.input,
      output_tokens: m.tokens.output,
      cache_read_tokens: m.tokens.cache_read,
      cache_creation_tokens: m.tokens.cache_creation,
      estimated_cost_currency: m.estimated_cost?.currency ?? null,
      // An estimate sent as a JSON number: rounded without counting (see parseCents).
      estimated_cost_cents: m.estimated_cost == null ? null : parseCents(m.estimated_cost.amount, `claude_code ${day} ${m.model} estimated_cost`),
      extra: tally.extraColumn('claude_code_model_usage', day, unmappedFields(m, MODEL_FIELDS)),
    };
  }
  return { productivity, models };
}
