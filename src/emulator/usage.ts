/**
 * Message usage at the finest grain the API can report: one "atom" per minute × key × workspace ×
 * model × tier × context window × geo × account × service account × speed. Every report (any bucket
 * width, any grouping) is a sum of atoms, which is what makes hourly = daily and grouped = ungrouped exact.
 * Stored column-wise in typed arrays so a large org's year fits in a bounded cache.
 */
import { CONTEXT_WINDOWS, GEO_NOT_AVAILABLE, TIER_BATCH, TIER_PRIORITY, TIER_STANDARD } from './catalog.js';
import type { Org } from './org.js';
import { Rng } from './prng.js';

/** Token columns, in TOKEN_TYPES order, then web searches. */
export const TOK_UNCACHED = 0;
export const TOK_OUTPUT = 1;
export const TOK_CACHE_READ = 2;
export const TOK_CC5M = 3;
export const TOK_CC1H = 4;
export const TOK_WEB = 5;
export const TOK_COLUMNS = 6;

const MAX_TOKENS = 2_000_000_000; // keeps every atom inside Uint32

export interface AtomDims {
  minute: number;
  key: number; // -1 = Console
  ws: number; // -1 = default workspace
  model: number;
  tier: number;
  cw: number;
  geo: number;
  account: number; // -1 = none
  svc: number; // -1 = none
  speed: number;
}

export class Atoms {
  n = 0;
  minute: Uint16Array;
  key: Int32Array;
  ws: Int16Array;
  model: Uint8Array;
  tier: Uint8Array;
  cw: Uint8Array;
  geo: Uint8Array;
  account: Int32Array;
  svc: Int32Array;
  speed: Uint8Array;
  tok: Uint32Array;

  constructor(capacity = 256) {
    this.minute = new Uint16Array(capacity);
    this.key = new Int32Array(capacity);
    this.ws = new Int16Array(capacity);
    this.model = new Uint8Array(capacity);
    this.tier = new Uint8Array(capacity);
    this.cw = new Uint8Array(capacity);
    this.geo = new Uint8Array(capacity);
    this.account = new Int32Array(capacity);
    this.svc = new Int32Array(capacity);
    this.speed = new Uint8Array(capacity);
    this.tok = new Uint32Array(capacity * TOK_COLUMNS);
  }

  push(d: AtomDims, tokens: readonly number[]): void {
    if (this.n === this.minute.length) this.grow();
    const i = this.n++;
    this.minute[i] = d.minute;
    this.key[i] = d.key;
    this.ws[i] = d.ws;
    this.model[i] = d.model;
    this.tier[i] = d.tier;
    this.cw[i] = d.cw;
    this.geo[i] = d.geo;
    this.account[i] = d.account;
    this.svc[i] = d.svc;
    this.speed[i] = d.speed;
    for (let t = 0; t < TOK_COLUMNS; t++) this.tok[i * TOK_COLUMNS + t] = Math.min(MAX_TOKENS, Math.max(0, Math.round(tokens[t] ?? 0)));
  }

  dims(i: number): AtomDims {
    return {
      minute: this.minute[i]!, key: this.key[i]!, ws: this.ws[i]!, model: this.model[i]!, tier: this.tier[i]!,
      cw: this.cw[i]!, geo: this.geo[i]!, account: this.account[i]!, svc: this.svc[i]!, speed: this.speed[i]!,
    };
  }

  private grow(): void {
    const cap = this.minute.length * 2;
    const copy = <T extends Uint16Array | Int32Array | Int16Array | Uint8Array | Uint32Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.minute = copy(this.minute, cap);
    this.key = copy(this.key, cap);
    this.ws = copy(this.ws, cap);
    this.model = copy(this.model, cap);
    this.tier = copy(this.tier, cap);
    this.cw = copy(this.cw, cap);
    this.geo = copy(this.geo, cap);
    this.account = copy(this.account, cap);
    this.svc = copy(this.svc, cap);
    this.speed = copy(this.speed, cap);
    this.tok = copy(this.tok, cap * TOK_COLUMNS);
  }
}

/** Activity multipliers shared by every generator: quieter weekends, gentle growth across the history. */
export function dayFactors(org: Org, idx: number, dow: number): { weekend: boolean; growth: number } {
  return { weekend: dow === 0 || dow === 6, growth: 0.7 + (0.6 * idx) / Math.max(1, org.historyDays) };
}

function hourFor(rng: Rng, peak: number): number {
  return rng.chance(0.7) ? (peak + rng.int(9) - 4 + 24) % 24 : rng.int(24);
}

function tokensFor(rng: Rng, base: number, web: boolean, volume: number): number[] {
  const cacheRead = rng.chance(0.6) ? base * (1 + 4 * rng.next()) : 0;
  return [
    base,
    base * (0.15 + 0.3 * rng.next()),
    cacheRead,
    cacheRead > 0 ? base * 0.3 * rng.next() : 0,
    rng.chance(0.15) ? base * 0.2 * rng.next() : 0,
    web && rng.chance(0.5) ? rng.int(1 + Math.round(20 * volume)) : 0,
  ];
}

export function generateUsage(org: Org, seed: number, day: string, idx: number, dow: number, revision: number): Atoms {
  const rng = new Rng(`usage|${seed}|${day}`);
  const atoms = new Atoms(Math.max(64, org.apiKeys.length * 2));
  const { weekend, growth } = dayFactors(org, idx, dow);
  const dayVolume = growth * (0.85 + 0.3 * rng.next()) * (weekend ? 0.4 : 1);

  for (let k = 0; k < org.apiKeys.length; k++) {
    const key = org.apiKeys[k]!;
    if (idx < key.firstIdx || idx > key.lastIdx) continue;
    if (!rng.chance(key.activity * (weekend ? 0.6 : 1))) continue;
    const volume = key.scale * dayVolume;
    const svc = key.serviceAccount;
    for (const m of key.models) {
      const model = org.models[m]!;
      const geo = model.geo ? key.geo : GEO_NOT_AVAILABLE;
      const combos: Array<[tier: number, cw: number]> = [[TIER_STANDARD, 0]];
      if (key.batch && rng.chance(0.5)) combos.push([TIER_BATCH, 0]);
      if (key.priority && rng.chance(0.6)) combos.push([TIER_PRIORITY, 0]);
      if (key.longContext && model.longPrice && rng.chance(0.4)) combos.push([TIER_STANDARD, CONTEXT_WINDOWS.indexOf('200k-1M')]);
      const fastCapable = model.id.includes('opus');
      for (const [tier, cw] of combos) {
        const parts = 1 + rng.int(3);
        for (let p = 0; p < parts; p++) {
          const hour = tier === TIER_BATCH ? rng.int(24) : hourFor(rng, key.peakHour);
          const speed = tier === TIER_STANDARD && fastCapable && rng.chance(0.15) ? 1 : 0;
          const base = 400_000 * volume * (0.3 + rng.next()) * (cw === 1 ? 4 : 1);
          atoms.push(
            { minute: hour * 60 + rng.int(60), key: k, ws: key.ws, model: m, tier, cw, geo, account: -1, svc, speed },
            tokensFor(rng, base, key.webSearch, volume),
          );
        }
      }
    }
  }

  // Console / Workbench traffic: no API key, attributed to the member's account.
  const openWorkspaces = org.workspaces.map((w, i) => (w.lastActiveIdx >= idx ? i : -1)).filter((i) => i >= 0);
  for (const u of org.consoleUsers) {
    if (!rng.chance(weekend ? 0.1 : 0.3)) continue;
    const ws = openWorkspaces.length === 0 || rng.chance(0.5) ? -1 : rng.pick(openWorkspaces);
    const m = rng.int(Math.min(3, org.models.length));
    const parts = 1 + rng.int(2);
    for (let p = 0; p < parts; p++) {
      atoms.push(
        { minute: hourFor(rng, 15) * 60 + rng.int(60), key: -1, ws, model: m, tier: TIER_STANDARD, cw: 0, geo: org.models[m]!.geo ? 0 : GEO_NOT_AVAILABLE, account: u, svc: -1, speed: 0 },
        tokensFor(rng, 5_000 * growth * (0.3 + rng.next()), false, 1),
      );
    }
  }

  if (revision > 0) addLateUsage(atoms, `late-usage|${seed}|${day}|${revision}`);
  return atoms;
}

/** Late-arriving events: extra atoms resembling existing traffic, so recent totals grow as they do in reality. */
function addLateUsage(atoms: Atoms, label: string): void {
  const rng = new Rng(label);
  const n = atoms.n;
  if (n === 0) return;
  const extra = Math.max(1, Math.floor(n * 0.04));
  const tokens: number[] = new Array<number>(TOK_COLUMNS);
  for (let j = 0; j < extra; j++) {
    const src = rng.int(n);
    const f = 0.1 + 0.4 * rng.next();
    for (let t = 0; t < TOK_COLUMNS; t++) tokens[t] = Math.floor(atoms.tok[src * TOK_COLUMNS + t]! * f);
    tokens[TOK_UNCACHED] = Math.max(1, tokens[TOK_UNCACHED]!);
    atoms.push({ ...atoms.dims(src), minute: rng.int(1440) }, tokens);
  }
}
