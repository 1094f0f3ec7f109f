/** GET /v1/organizations/usage_report/claude_code */
import { asIsoDay, DateInputError, dayStartMs, parseDay } from '../util/dates.js';
import { estimatedCostAmount, type CodeRecord } from './code.js';
import { addUnknownFields, type Endpoint, type JsonObject } from './endpoint.js';
import type { Org } from './org.js';
import { invalid, limitParam } from './params.js';

export const claudeCodeReport: Endpoint = {
  key: 'usage_report/claude_code',
  path: '/v1/organizations/usage_report/claude_code',

  prepare(q, { model, tokens }) {
    const raw = q.get('starting_at');
    if (raw === null || raw === '') throw invalid('starting_at: Field required');
    let day: string;
    try {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) throw new DateInputError(raw);
      day = parseDay(raw);
    } catch {
      throw invalid(`starting_at: "${raw}" is not a date: use YYYY-MM-DD`);
    }
    const limit = limitParam(q, 20, 1000);
    const scope = `claude_code|${day}`;
    const page = q.get('page');
    const offset = page === null || page === '' ? 0 : tokens.verify(scope, page);
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw invalid('page: invalid page token');
    const start = dayStartMs(asIsoDay(day));

    return {
      coverage: [start, start + 86_400_000],
      body() {
        const all = model.code(day);
        const end = offset + limit;
        const data = all.slice(offset, end).map((r) => recordJson(model.org, day, r));
        const hasMore = end < all.length;
        return { data, has_more: hasMore, next_page: hasMore ? tokens.sign(scope, end) : null };
      },
    };
  },

  addExtraFields(body) {
    const records = addUnknownFields(body);
    for (const r of records) (r.core_metrics as JsonObject).future_metric = 1;
    const subscribed = records.find((r) => r.subscription_type !== undefined);
    if (subscribed) subscribed.subscription_type = 'enterprise_plus';
  },

  addDrift(body) {
    const records = Array.isArray(body.data) ? (body.data as JsonObject[]) : [];
    // Actor types this version does not know, each still one distinct actor per original label.
    records.forEach((r, i) => {
      const actor = r.actor as JsonObject;
      const label = String(actor.email_address ?? actor.api_key_name);
      if (i % 4 === 1) r.actor = { type: 'service_account_actor', service_account_id: `svcacct_${label}` };
      else if (i % 4 === 2) r.actor = { type: 'federated_actor', subject: null, provider: { type: 'oidc', issuer: 'https://idp.example', client: label } };
      else if (i % 4 === 3) r.actor = { type: 'robot_actor', robot: { fleet: 'ci', name: label } };
      r.ide_name = 'vscode';
      for (const m of r.model_breakdown as JsonObject[]) m.speed = 'standard';
    });
  },
};

function recordJson(org: Org, day: string, r: CodeRecord): JsonObject {
  const a = org.codeActors[r.actor]!;
  return {
    date: `${day}T00:00:00Z`,
    actor: a.type === 'user_actor' ? { type: 'user_actor', email_address: a.label } : { type: 'api_actor', api_key_name: a.label },
    organization_id: org.organizationId,
    customer_type: a.customerType,
    terminal_type: r.remote ? 'web' : a.terminal,
    core_metrics: {
      num_sessions: r.sessions,
      lines_of_code: { added: r.added, removed: r.removed },
      commits_by_claude_code: r.commits,
      pull_requests_by_claude_code: r.prs,
    },
    tool_actions: Object.fromEntries(r.tools.map(([name, accepted, rejected]) => [name, { accepted, rejected }])),
    model_breakdown: r.models.map((m) => ({
      model: org.models[m.model]!.id,
      tokens: { input: m.input, output: m.output, cache_read: m.cacheRead, cache_creation: m.cacheCreation },
      estimated_cost: { currency: 'USD', amount: estimatedCostAmount(m) },
    })),
    // Only subscription customers have one; the field is absent otherwise, as in the documented example.
    ...(a.subscriptionType === null ? {} : { subscription_type: a.subscriptionType }),
  };
}
