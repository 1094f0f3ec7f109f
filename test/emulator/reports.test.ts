import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator, type TokenTotals } from '../../src/emulator/index.js';
import { addDays, eachDay } from '../../src/util/dates.js';
import { ExactDecimal as Decimal } from '../../src/util/money.js';
import { get, getAllPages } from './helpers.js';

const TODAY = '2025-06-30';
const FIRST = addDays(TODAY, -40);
let emu: Emulator;

interface Bucket<R> { starting_at: string; ending_at: string; results: R[] }
interface CostRow { amount: string; currency: string; workspace_id: string | null; description: string | null; cost_type: string | null; model: string | null; service_tier: string | null; token_type: string | null }
interface UsageRow {
  uncached_input_tokens: number; cache_read_input_tokens: number; output_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  server_tool_use: { web_search_requests: number };
  api_key_id: string | null; workspace_id: string | null; model: string | null; service_tier: string | null;
}

interface CodeRecordJson {
  date: string; actor: { type: string; email_address?: string; api_key_name?: string }; is_remote: boolean;
  core_metrics: { num_sessions: number; lines_of_code: { added: number; removed: number }; commits_by_claude_code: number; pull_requests_by_claude_code: number };
  tool_actions: Record<string, { accepted: number; rejected: number }>;
  model_breakdown: Array<{ model: string; estimated_cost: { currency: string; amount: number } }>;
}

const sumAmounts = (rows: CostRow[]) => rows.reduce((s, r) => s.plus(r.amount), new Decimal(0));
function usageTotals(rows: UsageRow[]): TokenTotals {
  const t = { uncached_input_tokens: 0, cache_read_input_tokens: 0, cache_creation_5m_input_tokens: 0, cache_creation_1h_input_tokens: 0, output_tokens: 0, web_search_requests: 0 };
  for (const r of rows) {
    t.uncached_input_tokens += r.uncached_input_tokens;
    t.cache_read_input_tokens += r.cache_read_input_tokens;
    t.cache_creation_5m_input_tokens += r.cache_creation.ephemeral_5m_input_tokens;
    t.cache_creation_1h_input_tokens += r.cache_creation.ephemeral_1h_input_tokens;
    t.output_tokens += r.output_tokens;
    t.web_search_requests += r.server_tool_use.web_search_requests;
  }
  return t;
}

beforeAll(async () => {
  emu = await startEmulator({ today: TODAY, historyDays: 40, seed: 7 });
});
afterAll(() => emu.close());

describe('cost_report', () => {
  it('pages through every day exactly once, oldest first, with empty days and no future days', async () => {
    const from = addDays(FIRST, -5); // five days before data begins: empty buckets
    const { items, pages } = await getAllPages<Bucket<CostRow>>(emu, 'cost_report', { starting_at: `${from}T10:30:00Z`, limit: 7 });
    const days = eachDay(from, TODAY);
    expect(items.map((b) => b.starting_at)).toEqual(days.map((d) => `${d}T00:00:00Z`));
    expect(items.map((b) => b.ending_at)).toEqual(days.map((d) => `${addDays(d, 1)}T00:00:00Z`));
    expect(pages).toBe(Math.ceil(days.length / 7));
    expect(items.slice(0, 5).every((b) => b.results.length === 0)).toBe(true);
    expect(items.slice(5).every((b) => b.results.length === 1)).toBe(true);
  });

  it('honours ending_at as exclusive', async () => {
    const r = await get(emu, 'cost_report', { starting_at: '2025-06-10T00:00:00Z', ending_at: '2025-06-13T00:00:00Z', limit: 31 });
    expect(r.json.data.map((b: Bucket<CostRow>) => b.starting_at)).toEqual(['2025-06-10T00:00:00Z', '2025-06-11T00:00:00Z', '2025-06-12T00:00:00Z']);
    expect(r.json.has_more).toBe(false);
    expect(r.json.next_page).toBeNull();
  });

  it('grouped rows sum exactly to the ungrouped total and to the ground truth', async () => {
    const range = { starting_at: '2025-06-21T00:00:00Z', ending_at: `${addDays(TODAY, 1)}T00:00:00Z`, limit: 31 };
    const plain = (await get(emu, 'cost_report', range)).json.data as Bucket<CostRow>[];
    const byWs = (await get(emu, 'cost_report', { ...range, group_by: ['workspace_id'] })).json.data as Bucket<CostRow>[];
    const full = (await get(emu, 'cost_report', { ...range, group_by: ['workspace_id', 'description'] })).json.data as Bucket<CostRow>[];
    expect(plain).toHaveLength(10);
    const costTypes = new Set<string>();
    let nullWorkspace = 0;
    for (let i = 0; i < plain.length; i++) {
      const day = plain[i]!.starting_at.slice(0, 10);
      const total = plain[i]!.results[0]!;
      expect(total.currency).toBe('USD');
      expect(typeof total.amount).toBe('string');
      expect(total.amount).toBe(emu.truth.costCents(day));
      expect(sumAmounts(byWs[i]!.results).equals(total.amount)).toBe(true);
      expect(sumAmounts(full[i]!.results).equals(total.amount)).toBe(true);
      const truthByWs = emu.truth.costCentsByWorkspace(day);
      expect(new Map(byWs[i]!.results.map((r) => [r.workspace_id, r.amount]))).toEqual(truthByWs);
      for (const r of full[i]!.results) {
        costTypes.add(r.cost_type!);
        if (r.workspace_id === null) nullWorkspace++;
        if (r.cost_type === 'tokens') {
          expect(r.model && r.service_tier && r.token_type).toBeTruthy();
          expect(['standard', 'batch']).toContain(r.service_tier);
        } else {
          expect([r.model, r.service_tier, r.token_type]).toEqual([null, null, null]);
        }
      }
      // Ungrouped rows carry every field, null.
      expect(total).toMatchObject({ workspace_id: null, description: null, cost_type: null, model: null, token_type: null, inference_geo: null });
    }
    expect([...costTypes].sort()).toEqual(['code_execution', 'session_usage', 'tokens', 'web_search']);
    expect(nullWorkspace).toBeGreaterThan(0);
    expect(plain.some((b) => /\.\d+$/.test(b.results[0]!.amount))).toBe(true);
    const range10 = emu.truth.costCentsRange('2025-06-21', TODAY);
    expect(sumAmounts(plain.map((b) => b.results[0]!)).equals(range10)).toBe(true);
  });
});

describe('usage_report/messages', () => {
  const range = { starting_at: '2025-06-24T00:00:00Z', ending_at: '2025-06-28T00:00:00Z' };

  it('grouped usage sums equal the ungrouped totals and the ground truth', async () => {
    const plain = (await get(emu, 'usage_report/messages', range)).json.data as Bucket<UsageRow>[];
    const grouped = (await get(emu, 'usage_report/messages', { ...range, group_by: ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window'] })).json.data as Bucket<UsageRow>[];
    expect(plain).toHaveLength(4);
    let consoleRows = 0;
    for (let i = 0; i < plain.length; i++) {
      const day = plain[i]!.starting_at.slice(0, 10);
      expect(plain[i]!.results).toHaveLength(1);
      expect(usageTotals(plain[i]!.results)).toEqual(emu.truth.tokens(day));
      expect(usageTotals(grouped[i]!.results)).toEqual(emu.truth.tokens(day));
      consoleRows += grouped[i]!.results.filter((r) => r.api_key_id === null).length;
      const byKey = new Map<string | null, UsageRow[]>();
      for (const r of grouped[i]!.results) byKey.set(r.api_key_id, [...(byKey.get(r.api_key_id) ?? []), r]);
      expect(new Map([...byKey].map(([k, rows]) => [k, usageTotals(rows)]))).toEqual(emu.truth.tokensByApiKey(day));
    }
    expect(consoleRows).toBeGreaterThan(0);
  });

  it('hourly buckets sum to the daily ones exactly, and minutes to hours', async () => {
    const daily = (await get(emu, 'usage_report/messages', range)).json.data as Bucket<UsageRow>[];
    const hourly = await getAllPages<Bucket<UsageRow>>(emu, 'usage_report/messages', { ...range, bucket_width: '1h', limit: 168 });
    expect(hourly.items).toHaveLength(4 * 24);
    expect(hourly.items[1]!.starting_at).toBe('2025-06-24T01:00:00Z');
    for (let d = 0; d < 4; d++) {
      const rows = hourly.items.slice(d * 24, d * 24 + 24).flatMap((b) => b.results);
      expect(usageTotals(rows)).toEqual(usageTotals(daily[d]!.results));
    }
    const minutes = await getAllPages<Bucket<UsageRow>>(emu, 'usage_report/messages', { starting_at: '2025-06-24T00:00:00Z', ending_at: '2025-06-25T00:00:00Z', bucket_width: '1m', limit: 1440 });
    expect(minutes.items).toHaveLength(1440);
    expect(usageTotals(minutes.items.flatMap((b) => b.results))).toEqual(usageTotals(daily[0]!.results));
  });

  it('honours filters', async () => {
    const day = '2025-06-25';
    const byKey = emu.truth.tokensByApiKey(day);
    const keyId = [...byKey.keys()].find((k) => k !== null)!;
    const r = await get(emu, 'usage_report/messages', { starting_at: `${day}T00:00:00Z`, limit: 1, api_key_ids: [keyId], group_by: ['api_key_id'] });
    expect(r.json.data[0].results).toHaveLength(1);
    expect(r.json.data[0].results[0].api_key_id).toBe(keyId);
    expect(usageTotals(r.json.data[0].results)).toEqual(byKey.get(keyId));
    const tiers = await get(emu, 'usage_report/messages', { starting_at: `${day}T00:00:00Z`, limit: 1, service_tiers: ['batch'], group_by: ['service_tier'] });
    for (const row of tiers.json.data[0].results) expect(row.service_tier).toBe('batch');
  });
});

describe('usage_report/claude_code', () => {
  it('pages with a cursor and totals equal the ground truth', async () => {
    const day = '2025-06-25';
    const { items, pages } = await getAllPages<CodeRecordJson>(emu, 'usage_report/claude_code', { starting_at: day, limit: 2 });
    const truth = emu.truth.claudeCode(day);
    expect(items.length).toBe(truth.records);
    expect(pages).toBe(Math.ceil(truth.records / 2));
    let sessions = 0, added = 0, removed = 0, commits = 0, prs = 0, accepted = 0, rejected = 0;
    let cost = new Decimal(0);
    const keys = new Set<string>();
    for (const r of items) {
      expect(r.date).toBe(`${day}T00:00:00Z`);
      const id = r.actor.type === 'user_actor' ? r.actor.email_address : r.actor.api_key_name;
      expect(id).toBeTruthy();
      const k = `${r.actor.type}|${id}|${r.is_remote}`;
      expect(keys.has(k)).toBe(false); // one record per actor per day per locality
      keys.add(k);
      sessions += r.core_metrics.num_sessions;
      added += r.core_metrics.lines_of_code.added;
      removed += r.core_metrics.lines_of_code.removed;
      commits += r.core_metrics.commits_by_claude_code;
      prs += r.core_metrics.pull_requests_by_claude_code;
      for (const t of ['edit_tool', 'multi_edit_tool', 'write_tool', 'notebook_edit_tool']) {
        accepted += r.tool_actions[t]!.accepted;
        rejected += r.tool_actions[t]!.rejected;
      }
      for (const m of r.model_breakdown) {
        expect(m.estimated_cost.currency).toBe('USD');
        expect(typeof m.estimated_cost.amount).toBe('number');
        cost = cost.plus(m.estimated_cost.amount);
      }
    }
    expect({ records: items.length, sessions, linesAdded: added, linesRemoved: removed, commits, pullRequests: prs, toolAccepted: accepted, toolRejected: rejected })
      .toEqual({ ...truth, estimatedCostCents: undefined, records: truth.records });
    expect(cost.equals(truth.estimatedCostCents)).toBe(true);
  });

  it('has no data after today and weekends are quieter', async () => {
    const future = await get(emu, 'usage_report/claude_code', { starting_at: addDays(TODAY, 1) });
    expect(future.json).toEqual({ data: [], has_more: false, next_page: null });
    const weekday = eachDay(FIRST, TODAY).filter((d) => ![0, 6].includes(new Date(d).getUTCDay()));
    const weekend = eachDay(FIRST, TODAY).filter((d) => [0, 6].includes(new Date(d).getUTCDay()));
    const avg = (days: string[]) => days.reduce((s, d) => s + emu.truth.claudeCode(d).records, 0) / days.length;
    expect(avg(weekend)).toBeLessThan(avg(weekday));
  });
});

describe('organization lists', () => {
  it('paginates with after_id and sets last_id on the last page', async () => {
    const all = emu.truth.apiKeys();
    const seen: string[] = [];
    let after: string | undefined;
    let lastPage: { has_more: boolean; last_id: string } | undefined;
    for (;;) {
      const r = await get(emu, 'api_keys', { limit: 5, after_id: after });
      expect(r.json.first_id).toBe(r.json.data[0].id);
      seen.push(...r.json.data.map((k: { id: string }) => k.id));
      if (!r.json.has_more) {
        lastPage = r.json;
        break;
      }
      after = r.json.last_id;
    }
    expect(seen).toEqual(all.map((k) => k.id));
    expect(lastPage!.last_id).toBe(all[all.length - 1]!.id);
    expect(new Set(all.map((k) => k.status)).size).toBeGreaterThan(1);
  });

  it('filters api keys by status and workspace, and hides archived workspaces by default', async () => {
    const active = await get(emu, 'api_keys', { status: 'active', limit: 1000 });
    expect(active.json.data.length).toBe(emu.truth.apiKeys().filter((k) => k.status === 'active').length);
    const ws = emu.truth.workspaces();
    const inWs = await get(emu, 'api_keys', { workspace_id: ws[0]!.id, limit: 1000 });
    expect(inWs.json.data.every((k: { workspace_id: string }) => k.workspace_id === ws[0]!.id)).toBe(true);
    const visible = await get(emu, 'workspaces', {});
    const everything = await get(emu, 'workspaces', { include_archived: 'true' });
    expect(everything.json.data).toHaveLength(ws.length);
    expect(visible.json.data).toHaveLength(ws.filter((w) => !w.archived).length);
    expect(visible.json.data.length).toBeLessThan(ws.length);
    const users = await get(emu, 'users', { limit: 1000 });
    expect(users.json.data.map((u: { email: string }) => u.email)).toEqual(emu.truth.users().map((u) => u.email));
    expect(users.json.data[0].email).toMatch(/^[a-z]+\.[a-z]+\d*@example\.com$/);
  });
});

describe('determinism and revisions', () => {
  it('two emulators with the same seed give byte-identical bodies; another seed differs', async () => {
    const twin = await startEmulator({ today: TODAY, historyDays: 40, seed: 7 });
    const other = await startEmulator({ today: TODAY, historyDays: 40, seed: 8 });
    try {
      const params = { starting_at: '2025-06-20T00:00:00Z', group_by: ['workspace_id', 'description'] };
      const a = await get(emu, 'cost_report', params);
      expect((await get(twin, 'cost_report', params)).text).toBe(a.text);
      expect((await get(other, 'cost_report', params)).text).not.toBe(a.text);
      const cc = { starting_at: '2025-06-20', limit: 1000 };
      expect((await get(twin, 'usage_report/claude_code', cc)).text).toBe((await get(emu, 'usage_report/claude_code', cc)).text);
      expect((await get(twin, 'api_keys', { limit: 100 })).text).toBe((await get(emu, 'api_keys', { limit: 100 })).text);
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });

  it('setRevision changes only the last three days, consistently in reports and ground truth', async () => {
    const days = eachDay(addDays(TODAY, -4), TODAY);
    const range = { starting_at: `${days[0]}T00:00:00Z`, limit: 31 };
    const before = days.map((d) => ({ cost: emu.truth.costCents(d), tokens: emu.truth.tokens(d), code: emu.truth.claudeCode(d) }));
    emu.setRevision(1);
    try {
      const cost = (await get(emu, 'cost_report', range)).json.data as Bucket<CostRow>[];
      const usage = (await get(emu, 'usage_report/messages', range)).json.data as Bucket<UsageRow>[];
      expect(days.slice(-3).some((d, i) => before[i + 2]!.code.records > 0 && emu.truth.claudeCode(d).records > 0)).toBe(true);
      days.forEach((d, i) => {
        const changed = i >= days.length - 3;
        expect(emu.truth.costCents(d) !== before[i]!.cost).toBe(changed);
        // Late Claude Code sessions land on existing records, so a day without activity stays empty.
        expect(emu.truth.claudeCode(d).sessions !== before[i]!.code.sessions).toBe(changed && before[i]!.code.records > 0);
        expect(cost[i]!.results[0]!.amount).toBe(emu.truth.costCents(d));
        expect(usageTotals(usage[i]!.results)).toEqual(emu.truth.tokens(d));
      });
    } finally {
      emu.setRevision(0);
    }
    days.forEach((d, i) => expect(emu.truth.costCents(d)).toBe(before[i]!.cost));
  });
});
