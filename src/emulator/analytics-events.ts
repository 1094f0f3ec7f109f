/**
 * The Analytics API's view of one day: "events" at the finest grain it can group by (minute × key ×
 * workspace × actor × product × model × tier × context window × geo × speed), each carrying its token
 * usage and its cost parts in exact nano-cents. Every answer of /analytics/cost and /analytics/usage,
 * and the ground truth, sums these, so every grouping adds up to the same daily totals.
 *
 * How analytics cost relates to the legacy cost_report (the `cross-api` check):
 * - API spend is the SAME money: every token and web-search charge of the usage atoms (priority tier
 *   excluded, as in cost_report) and every code-execution / agent-session line of cost_report, now
 *   attributed to a key, an actor and a product. Per day, Σ over products messages_api,
 *   message_batches_api, claude_code (API keys), claude_console, managed_agents_api and null equals
 *   cost_report's total to the last digit.
 * - On top of that come subscription products cost_report never bills: claude.ai `chat`, `cowork`,
 *   `claude_in_chrome` and Claude Code used on a subscription (`claude_code` with no API key). So the
 *   analytics daily total = cost_report total + that subscription spend (ground truth:
 *   `truth.analytics.costCentsNotInCostReport(day)`), and `cross-api` WARNs with exactly that difference.
 * - Usage likewise = usage_report/messages (priority tier included) + the subscription products' tokens.
 * - `amount` is after a negotiated 10% Opus discount (list_amount = amount + amount/9, in whole
 *   nano-cents); every other line has amount = list_amount.
 */
import { asIsoDay, daysBetween } from '../util/dates.js';
import { GEO_NOT_AVAILABLE, TIER_BATCH, TIER_PRIORITY, TIER_STANDARD, WEB_SEARCH_NANO } from './catalog.js';
import type { CodeRecord } from './code.js';
import { type CostLine, priceNano } from './costs.js';
import { analyticsCast, type AnalyticsCast, productIndex } from './analytics-actors.js';
import type { SyntheticModel } from './model.js';
import { hash32, Rng } from './prng.js';
import { type Atoms, dayFactors, TOK_COLUMNS, TOK_UNCACHED, TOK_WEB } from './usage.js';

export const COST_TYPES = ['tokens', 'web_search', 'code_execution', 'session_usage'] as const;
const CT_TOKENS = 0;
const CT_WEB = 1;
/** workspace: -1 = the default workspace (has an id here), -2 = none (claude.ai products: null). */
export const WS_NONE = -2;

export interface CostPart {
  /** Index into COST_TYPES. */
  ct: number;
  /** Index into TOKEN_TYPES; -1 for non-token costs. */
  tt: number;
  nano: bigint;
  list: bigint;
}

export interface AnalyticsEvent {
  minute: number;
  key: number;
  ws: number;
  actor: number;
  product: number;
  model: number;
  tier: number;
  cw: number;
  geo: number;
  speed: number;
  /** Token columns in TOKEN_TYPES order, then web searches; null for costs without usage (code execution). */
  usage: number[] | null;
  requests: number;
  /** Empty for usage that is not billed here (priority tier). */
  parts: CostPart[];
}

/** Only combinations with usage are returned: an event with no tokens and no searches is not a usage row. */
export function hasUsage(e: AnalyticsEvent): boolean {
  return e.usage !== null && e.usage.some((v) => v > 0);
}

interface Cached {
  atoms: Atoms;
  costs: CostLine[];
  code: CodeRecord[];
  events: AnalyticsEvent[];
}

const cache = new WeakMap<SyntheticModel, Map<string, Cached>>();
const CACHE_DAYS = 64;

/** The day's events; rebuilt whenever the model regenerated its atoms (revision, spike, eviction). */
export function analyticsEvents(model: SyntheticModel, day: string): AnalyticsEvent[] {
  if (!model.hasData(day)) return [];
  let days = cache.get(model);
  if (!days) cache.set(model, (days = new Map()));
  const atoms = model.atoms(day);
  const costs = model.costLines(day);
  const code = model.code(day);
  const hit = days.get(day);
  if (hit && hit.atoms === atoms && hit.costs === costs && hit.code === code) return hit.events;
  const events = buildEvents(model, day, atoms, costs, code);
  days.delete(day);
  if (days.size >= CACHE_DAYS) days.delete(days.keys().next().value!);
  days.set(day, { atoms, costs, code, events });
  return events;
}

/** Opus carries a negotiated discount: amount is 90% of list price. */
function tokenPart(model: SyntheticModel, m: number, tier: number, cw: number, tt: number, tokens: number): CostPart | null {
  if (tokens <= 0) return null;
  const nano = BigInt(tokens) * priceNano(model.org, m, tier, cw, tt);
  const list = model.org.models[m]!.id.includes('opus') ? nano + nano / 9n : nano;
  return { ct: CT_TOKENS, tt, nano, list };
}

/** Token charges per token type, then web searches at 1 cent each (as cost_report bills them). */
function billedParts(model: SyntheticModel, m: number, tier: number, cw: number, usage: number[]): CostPart[] {
  const parts: CostPart[] = [];
  for (let tt = 0; tt < 5; tt++) {
    const p = tokenPart(model, m, tier, cw, tt, usage[tt]!);
    if (p) parts.push(p);
  }
  if (usage[TOK_WEB]! > 0) {
    const web = BigInt(usage[TOK_WEB]!) * WEB_SEARCH_NANO;
    parts.push({ ct: CT_WEB, tt: -1, nano: web, list: web });
  }
  return parts;
}

function buildEvents(model: SyntheticModel, day: string, atoms: Atoms, costs: CostLine[], code: CodeRecord[]): AnalyticsEvent[] {
  const org = model.org;
  const cast = analyticsCast(org, model.seed);
  const events: AnalyticsEvent[] = [];
  const consoleProduct = productIndex('claude_console');
  const batchProduct = productIndex('message_batches_api');

  for (let i = 0; i < atoms.n; i++) {
    const usage = Array.from(atoms.tok.subarray(i * TOK_COLUMNS, (i + 1) * TOK_COLUMNS));
    const key = atoms.key[i]!;
    const tier = atoms.tier[i]!;
    const m = atoms.model[i]!;
    const cw = atoms.cw[i]!;
    // Priority tier is billed outside the cost reports: its usage shows, its cost does not (as in cost_report).
    const parts = tier === TIER_PRIORITY ? [] : billedParts(model, m, tier, cw, usage);
    events.push({
      minute: atoms.minute[i]!,
      key,
      ws: atoms.ws[i]!,
      actor: key >= 0 ? cast.keyActor[key]! : cast.userActor[atoms.account[i]!]!,
      product: key < 0 ? consoleProduct : tier === TIER_BATCH ? batchProduct : cast.keyProduct[key]!,
      model: m,
      tier,
      cw,
      geo: atoms.geo[i] === GEO_NOT_AVAILABLE ? -1 : atoms.geo[i]!,
      speed: atoms.speed[i]!,
      usage,
      requests: 1 + Math.floor(usage[TOK_UNCACHED]! / 20_000),
      parts,
    });
  }

  nonTokenEvents(model, day, costs, cast, events);
  subscriptionEvents(model, day, code, cast, events);
  return events;
}

/** cost_report's code-execution and agent-session lines, charged to a live key of their workspace. */
function nonTokenEvents(model: SyntheticModel, day: string, costs: CostLine[], cast: AnalyticsCast, events: AnalyticsEvent[]): void {
  const org = model.org;
  const idx = daysBetween(org.firstDay, asIsoDay(day));
  for (const line of costs) {
    const ct = COST_TYPES.indexOf(line.desc.cost_type as (typeof COST_TYPES)[number]);
    if (ct <= CT_WEB) continue;
    const key = org.apiKeys.findIndex((k) => k.ws === line.ws && k.firstIdx <= idx && idx <= k.lastIdx);
    events.push({
      minute: hash32(`analytics-x|${model.seed}|${day}|${line.ws}|${ct}`) % 1440,
      key,
      ws: line.ws,
      actor: key >= 0 ? cast.keyActor[key]! : cast.serviceAccountActor[0]!,
      // Code execution has no product (documented); agent sessions belong to the Managed Agents API.
      product: line.desc.cost_type === 'code_execution' ? -1 : productIndex('managed_agents_api'),
      model: -1,
      tier: -1,
      cw: -1,
      geo: -1,
      speed: -1,
      usage: null,
      // Sandbox executions, not HTTP requests: about one per cent charged.
      requests: 1 + Number(line.nano / 1_000_000_000n),
      parts: [{ ct, tt: -1, nano: line.nano, list: line.nano }],
    });
  }
}

/** Spend on claude.ai products and subscription Claude Code: in this API only (see the header). */
function subscriptionEvents(model: SyntheticModel, day: string, code: CodeRecord[], cast: AnalyticsCast, events: AnalyticsEvent[]): void {
  const org = model.org;
  const push = (minute: number, actor: number, product: number, m: number, usage: number[], requests: number) =>
    events.push({
      minute, key: -1, ws: WS_NONE, actor, product, model: m, tier: -1, cw: 0, geo: org.models[m]!.geo ? 0 : -1, speed: 0,
      usage, requests, parts: billedParts(model, m, TIER_STANDARD, 0, usage),
    });

  // Claude Code on a subscription: the same records usage_report/claude_code serves, priced exactly.
  for (const r of code) {
    const a = org.codeActors[r.actor]!;
    if (a.type !== 'user_actor' || a.customerType !== 'subscription') continue;
    const minute = 480 + (hash32(`analytics-code|${model.seed}|${day}|${r.actor}`) % 720);
    for (const u of r.models) {
      push(minute, cast.userActor[r.actor]!, productIndex('claude_code'), u.model, [u.input, u.output, u.cacheRead, u.cacheCreation, 0, 0], r.sessions * 12);
    }
  }

  const idx = daysBetween(org.firstDay, asIsoDay(day));
  const { weekend, growth } = dayFactors(org, idx, new Date(`${day}T00:00:00Z`).getUTCDay());
  const rng = new Rng(`analytics-sub|${model.seed}|${day}`);
  const chatters = [...cast.userActor, ...cast.deletedUsers];
  const chatModels = Math.min(3, org.models.length);
  for (const actor of chatters) {
    const h = hash32(`analytics-chat|${model.seed}|${actor}`) % 10;
    if (h >= 5 || !rng.chance(weekend ? 0.15 : 0.6)) continue;
    const products = h === 0 ? ['chat', 'cowork'] as const : h === 1 ? ['chat', 'claude_in_chrome'] as const : ['chat'] as const;
    for (const p of products) {
      const input = Math.round(growth * (2_000 + rng.int(60_000)));
      const cacheRead = rng.chance(0.5) ? input * (1 + rng.int(6)) : 0;
      const usage = [input, Math.round(input * (0.2 + 0.4 * rng.next())), cacheRead, Math.round(cacheRead * 0.1), 0, rng.chance(0.1) ? 1 + rng.int(5) : 0];
      push(hourMinute(rng), actor, productIndex(p), rng.int(chatModels), usage, 1 + rng.int(40));
    }
  }
}

function hourMinute(rng: Rng): number {
  return (8 + rng.int(12)) * 60 + rng.int(60);
}
