/**
 * Billed cost lines for one day at the finest grain cost_report can group by (workspace × description).
 * Derived from the usage atoms so cost and usage tell the same story; amounts are BigInt nano-cents so
 * any regrouping sums exactly.
 */
import { CONTEXT_WINDOWS, GEOS, TIER_BATCH, TIER_PRIORITY, TIERS, TOKEN_LABELS, TOKEN_TYPES, WEB_SEARCH_NANO } from './catalog.js';
import type { Org } from './org.js';
import { Rng } from './prng.js';
import { type Atoms, TOK_COLUMNS, TOK_WEB } from './usage.js';

export interface CostDescriptor {
  description: string;
  cost_type: string;
  model: string | null;
  service_tier: string | null;
  token_type: string | null;
  context_window: string | null;
  inference_geo: string | null;
}

export interface CostLine {
  /** -1 = default workspace. */
  ws: number;
  desc: CostDescriptor;
  nano: bigint;
}

const NANO_PER_CENT = 1_000_000_000n;

/** Descriptors are shared across days so grouping by description can key on object identity. */
const descriptors = new Map<string, CostDescriptor>();
function descriptor(d: CostDescriptor): CostDescriptor {
  const k = JSON.stringify(d);
  let found = descriptors.get(k);
  if (!found) descriptors.set(k, (found = d));
  return found;
}

function tokenDescriptor(org: Org, model: number, tier: number, cw: number, geo: number, tt: number): CostDescriptor {
  const m = org.models[model]!;
  const batch = tier === TIER_BATCH ? ' Batch' : '';
  const long = cw === 1 ? ' (Long Context)' : '';
  return descriptor({
    description: `${m.display}${batch} Usage - ${TOKEN_LABELS[tt]}${long}`,
    cost_type: 'tokens',
    model: m.id,
    service_tier: TIERS[tier]!,
    token_type: TOKEN_TYPES[tt]!,
    context_window: CONTEXT_WINDOWS[cw]!,
    inference_geo: GEOS[geo]!,
  });
}

const nonToken = (cost_type: string, description: string) =>
  descriptor({ description, cost_type, model: null, service_tier: null, token_type: null, context_window: null, inference_geo: null });
const WEB_SEARCH = nonToken('web_search', 'Web Search');
const CODE_EXECUTION = nonToken('code_execution', 'Code Execution Usage');
const SESSION_USAGE = nonToken('session_usage', 'Claude Agent Session Usage');

/** Nano-cents per token: cents per million tokens × 1e9 / 1e6. Batch is half price, still an integer. */
export function priceNano(org: Org, model: number, tier: number, cw: number, tt: number): bigint {
  const m = org.models[model]!;
  const table = cw === 1 && m.longPrice ? m.longPrice : m.price;
  return BigInt(table[tt]! * (tier === TIER_BATCH ? 500 : 1000));
}

export function computeCostLines(org: Org, seed: number, day: string, idx: number, atoms: Atoms): CostLine[] {
  const nModels = org.models.length;
  // Token sums per (ws, model, tier, cw, geo) in plain numbers (safe below 2^53); money only as BigInt.
  const combos = new Map<number, number[]>();
  const web = new Map<number, number>();
  for (let i = 0; i < atoms.n; i++) {
    const tier = atoms.tier[i]!;
    if (tier === TIER_PRIORITY) continue; // priority tier is billed outside the cost report
    const ws = atoms.ws[i]!;
    const key = (((((ws + 1) * nModels + atoms.model[i]!) * 2 + tier) * 2 + atoms.cw[i]!) * 3) + atoms.geo[i]!;
    let sums = combos.get(key);
    if (!sums) combos.set(key, (sums = [0, 0, 0, 0, 0]));
    const base = i * TOK_COLUMNS;
    for (let t = 0; t < 5; t++) sums[t]! += atoms.tok[base + t]!;
    const w = atoms.tok[base + TOK_WEB]!;
    if (w > 0) web.set(ws, (web.get(ws) ?? 0) + w);
  }

  const lines: CostLine[] = [];
  for (const [key, sums] of combos) {
    let k = key;
    const geo = k % 3;
    k = (k - geo) / 3;
    const cw = k % 2;
    k = (k - cw) / 2;
    const tier = k % 2;
    k = (k - tier) / 2;
    const model = k % nModels;
    const ws = (k - model) / nModels - 1;
    for (let tt = 0; tt < 5; tt++) {
      if (sums[tt]! > 0) {
        lines.push({ ws, desc: tokenDescriptor(org, model, tier, cw, geo, tt), nano: BigInt(sums[tt]!) * priceNano(org, model, tier, cw, tt) });
      }
    }
  }
  for (const [ws, count] of web) lines.push({ ws, desc: WEB_SEARCH, nano: BigInt(count) * WEB_SEARCH_NANO });

  // Non-token charges per workspace per day; amounts carry five decimal places of cents, like the real report.
  const rng = new Rng(`costx|${seed}|${day}`);
  const growth = 0.7 + (0.6 * idx) / Math.max(1, org.historyDays);
  for (let ws = -1; ws < org.workspaces.length; ws++) {
    if (ws >= 0 && org.workspaces[ws]!.lastActiveIdx < idx) continue;
    if (rng.chance(0.5)) lines.push({ ws, desc: CODE_EXECUTION, nano: BigInt(1 + rng.int(Math.round(20_000_000 * growth))) * 10_000n });
    if (rng.chance(0.3)) lines.push({ ws, desc: SESSION_USAGE, nano: BigInt(1 + rng.int(Math.round(8_000_000 * growth))) * 10_000n });
  }
  return lines;
}

/** Nano-cents → canonical decimal cents string ("123.78912"), exact. */
export function formatNano(nano: bigint): string {
  const neg = nano < 0n;
  const abs = neg ? -nano : nano;
  const whole = abs / NANO_PER_CENT;
  const frac = (abs % NANO_PER_CENT).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}
