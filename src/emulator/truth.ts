/** GroundTruth: exact expected figures read straight from the synthetic model, bypassing HTTP. */
import { asIsoDay, eachDay } from '../util/dates.js';
import { KNOWN_TOOLS } from './catalog.js';
import { parseCents, sumDecimals } from '../util/money.js';
import { estimatedCostAmount } from './code.js';
import { createAnalyticsTruth } from './analytics-truth.js';
import { formatNano } from './costs.js';
import type { SyntheticModel } from './model.js';
import type { ClaudeCodeTotals, GroundTruth, TokenTotals } from './types.js';
import { type Atoms, TOK_CACHE_READ, TOK_CC1H, TOK_CC5M, TOK_COLUMNS, TOK_OUTPUT, TOK_UNCACHED, TOK_WEB } from './usage.js';

function emptyTokens(): TokenTotals {
  return { uncached_input_tokens: 0, cache_read_input_tokens: 0, cache_creation_5m_input_tokens: 0, cache_creation_1h_input_tokens: 0, output_tokens: 0, web_search_requests: 0 };
}

function addAtom(t: TokenTotals, atoms: Atoms, i: number): void {
  const b = i * TOK_COLUMNS;
  t.uncached_input_tokens += atoms.tok[b + TOK_UNCACHED]!;
  t.cache_read_input_tokens += atoms.tok[b + TOK_CACHE_READ]!;
  t.cache_creation_5m_input_tokens += atoms.tok[b + TOK_CC5M]!;
  t.cache_creation_1h_input_tokens += atoms.tok[b + TOK_CC1H]!;
  t.output_tokens += atoms.tok[b + TOK_OUTPUT]!;
  t.web_search_requests += atoms.tok[b + TOK_WEB]!;
}

const KNOWN = new Set<string>(KNOWN_TOOLS);

export function createGroundTruth(model: SyntheticModel): GroundTruth {
  const org = model.org;
  const wsId = (ws: number) => (ws < 0 ? null : org.workspaces[ws]!.id);
  const dayNano = (day: string) => model.costLines(day).reduce((s, l) => s + l.nano, 0n);

  return {
    organizationId: org.organizationId,
    firstDay: model.firstDay,
    lastDay: model.today,
    costCents: (day) => formatNano(dayNano(day)),
    costCentsByWorkspace(day) {
      const acc = new Map<string | null, bigint>();
      for (const l of model.costLines(day)) acc.set(wsId(l.ws), (acc.get(wsId(l.ws)) ?? 0n) + l.nano);
      return new Map([...acc].map(([k, v]) => [k, formatNano(v)]));
    },
    costCentsRange: (from, to) => formatNano(eachDay(asIsoDay(from), asIsoDay(to)).reduce((s, d) => s + dayNano(d), 0n)),
    tokens(day) {
      const atoms = model.atoms(day);
      const t = emptyTokens();
      for (let i = 0; i < atoms.n; i++) addAtom(t, atoms, i);
      return t;
    },
    tokensByApiKey(day) {
      const atoms = model.atoms(day);
      const out = new Map<string | null, TokenTotals>();
      for (let i = 0; i < atoms.n; i++) {
        const k = atoms.key[i]!;
        const id = k < 0 ? null : org.apiKeys[k]!.id;
        let t = out.get(id);
        if (!t) out.set(id, (t = emptyTokens()));
        addAtom(t, atoms, i);
      }
      return out;
    },
    claudeCode(day): ClaudeCodeTotals {
      const t = { records: 0, sessions: 0, linesAdded: 0, linesRemoved: 0, commits: 0, pullRequests: 0, toolAccepted: 0, toolRejected: 0 };
      const estimated: string[] = [];
      for (const r of model.code(day)) {
        t.records++;
        t.sessions += r.sessions;
        t.linesAdded += r.added;
        t.linesRemoved += r.removed;
        t.commits += r.commits;
        t.pullRequests += r.prs;
        for (const [name, acc, rej] of r.tools) {
          if (!KNOWN.has(name)) continue;
          t.toolAccepted += acc;
          t.toolRejected += rej;
        }
        for (const m of r.models) estimated.push(parseCents(estimatedCostAmount(m)));
      }
      // What a client stores: each JSON number as its shortest decimal, rounded half-even to 12 places.
      return { ...t, estimatedCostCents: sumDecimals(estimated) };
    },
    workspaces: () => org.workspaces.map((w) => ({ id: w.id, name: w.name, archived: w.archivedAt !== null })),
    apiKeys: () => org.apiKeys.map((k) => ({ id: k.id, name: k.name, workspace_id: wsId(k.ws), status: k.status })),
    users: () => org.users.map((u) => ({ id: u.id, email: u.email, name: u.name })),
    analytics: createAnalyticsTruth(model, dayNano),
  };
}
