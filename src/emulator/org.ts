/**
 * The synthetic organization: workspaces, API keys, users and Claude Code actors, built once from the
 * seed. Entities carry the per-entity traits (volume, models, active days) the day generator reads.
 */
import { addDays, dayStartMs, type IsoDay } from '../util/dates.js';
import {
  FIRST_NAMES, KEY_ENVS, KEY_PURPOSES, LAST_NAMES, MODELS, TERMINALS, USER_ROLES, WORKSPACE_COLORS, WORKSPACE_NAMES,
  type ModelInfo,
} from './catalog.js';
import { Rng } from './prng.js';
import type { OrgShape } from './types.js';

const DAY_MS = 86_400_000;

export interface Workspace {
  id: string;
  name: string;
  displayColor: string;
  createdAt: string;
  archivedAt: string | null;
  /** Day index (from firstDay) after which nothing runs here; Infinity when not archived. */
  lastActiveIdx: number;
}

export interface ApiKey {
  id: string;
  name: string;
  /** Index into Org.workspaces; -1 = default workspace. */
  ws: number;
  status: 'active' | 'inactive' | 'archived' | 'expired';
  createdAt: string;
  createdBy: number;
  hint: string;
  expiresAt: string | null;
  /** Usage only between these day indexes (inclusive). */
  firstIdx: number;
  lastIdx: number;
  activity: number;
  scale: number;
  models: number[];
  batch: boolean;
  priority: boolean;
  longContext: boolean;
  geo: number;
  /** Index into Org.serviceAccounts; -1 when a person owns the key. */
  serviceAccount: number;
  webSearch: boolean;
  peakHour: number;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: string;
  addedAt: string;
}

export interface CodeActor {
  type: 'user_actor' | 'api_actor';
  /** Email for users, key name for API actors. */
  label: string;
  customerType: 'api' | 'subscription';
  subscriptionType: 'enterprise' | 'team' | null;
  terminal: string;
  activity: number;
  remoteShare: number;
  intensity: number;
  models: number[];
}

export interface Org {
  organizationId: string;
  firstDay: IsoDay;
  today: IsoDay;
  historyDays: number;
  models: readonly ModelInfo[];
  workspaces: Workspace[];
  apiKeys: ApiKey[];
  users: User[];
  serviceAccounts: string[];
  codeActors: CodeActor[];
  /** Users who sometimes use the Console/Workbench (api_key_id null). */
  consoleUsers: number[];
}

function iso(ms: number): string {
  // Whole seconds, as the API's timestamps are.
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function uuid(rng: Rng): string {
  const hex = () => rng.int(16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-4${part(3)}-a${part(3)}-${part(12)}`;
}

function weightedModel(rng: Rng, models: readonly ModelInfo[]): number {
  const total = models.reduce((s, m) => s + m.weight, 0);
  let r = rng.next() * total;
  for (let i = 0; i < models.length; i++) {
    r -= models[i]!.weight;
    if (r < 0) return i;
  }
  return 0;
}

/** Makes "Research", then "Research 2" when the list runs out, so names stay unique. */
function uniqueName(base: string, seen: Map<string, number>): string {
  const n = (seen.get(base) ?? 0) + 1;
  seen.set(base, n);
  return n === 1 ? base : `${base} ${n}`;
}

export function buildOrg(seed: number, today: IsoDay, historyDays: number, shape: OrgShape): Org {
  const rng = new Rng(`org|${seed}`);
  const firstDay = addDays(today, -historyDays);
  const firstMs = dayStartMs(firstDay);
  const models = MODELS.slice(0, Math.max(1, Math.min(shape.models, MODELS.length)));
  // Entities predate the data range a little so early days are not empty.
  const createdMs = (maxDaysIn: number) => firstMs - 30 * DAY_MS + rng.int(Math.max(1, maxDaysIn)) * DAY_MS + rng.int(DAY_MS);

  const userCount = shape.claudeCodeUsers + Math.max(2, Math.ceil(shape.claudeCodeUsers / 4));
  const users: User[] = [];
  const emailSeen = new Map<string, number>();
  for (let i = 0; i < userCount; i++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const local = uniqueName(`${first}.${last}`, emailSeen).replace(' ', '');
    const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
    users.push({
      id: `user_01${rng.id(22)}`,
      email: `${local}@example.com`,
      name: `${cap(first)} ${cap(last)}`,
      role: i === 0 ? 'admin' : rng.pick(USER_ROLES),
      addedAt: iso(createdMs(historyDays / 2)),
    });
  }

  const workspaces: Workspace[] = [];
  const wsSeen = new Map<string, number>();
  for (let i = 0; i < shape.workspaces; i++) {
    const created = createdMs(historyDays / 3);
    // Roughly one in six is archived (never the first, so small orgs keep their main workspace).
    const archived = i > 0 && (i % 6 === 5 || (shape.workspaces <= 6 && i === shape.workspaces - 1 && shape.workspaces > 2));
    const archiveIdx = archived ? Math.floor(historyDays * (0.5 + rng.next() * 0.4)) : Infinity;
    workspaces.push({
      id: `wrkspc_01${rng.id(22)}`,
      name: uniqueName(WORKSPACE_NAMES[i % WORKSPACE_NAMES.length]!, wsSeen),
      displayColor: rng.pick(WORKSPACE_COLORS),
      createdAt: iso(created),
      archivedAt: archived ? iso(firstMs + archiveIdx * DAY_MS + rng.int(DAY_MS)) : null,
      lastActiveIdx: archiveIdx,
    });
  }

  const serviceAccounts = Array.from({ length: Math.max(1, Math.ceil(shape.apiKeys / 40)) }, () => `svcacct_01${rng.id(22)}`);
  const apiKeys: ApiKey[] = [];
  const keySeen = new Map<string, number>();
  for (let i = 0; i < shape.apiKeys; i++) {
    // A tenth of keys live in the default workspace (workspace_id null).
    let ws = rng.chance(0.1) || workspaces.length === 0 ? -1 : rng.int(workspaces.length);
    // Archived workspaces held fewer keys than live ones; a second draw keeps small orgs from going quiet.
    if (ws >= 0 && workspaces[ws]!.archivedAt !== null && rng.chance(0.7)) ws = rng.int(workspaces.length);
    if (i === 1) ws = -1; // guarantees keyed traffic in the default workspace (workspace_id null)
    const createdIdx = rng.int(Math.max(1, Math.floor(historyDays * 0.7))) - 30;
    let status: ApiKey['status'] = 'active';
    let lastIdx = historyDays;
    let expiresAt: string | null = null;
    const wsEnd = ws >= 0 ? workspaces[ws]!.lastActiveIdx : Infinity;
    if (wsEnd !== Infinity) {
      status = 'archived';
      lastIdx = wsEnd;
    } else {
      const r = rng.next();
      const endIdx = Math.max(0, createdIdx) + rng.int(Math.max(1, historyDays - Math.max(0, createdIdx)));
      if (r < 0.08) [status, lastIdx] = ['inactive', endIdx];
      else if (r < 0.14) [status, lastIdx] = ['archived', endIdx];
      else if (r < 0.18) {
        status = 'expired';
        lastIdx = endIdx;
        expiresAt = iso(firstMs + (endIdx + 1) * DAY_MS);
      } else if (r < 0.3) expiresAt = iso(dayStartMs(today) + (30 + rng.int(300)) * DAY_MS);
    }
    // The first key is live for the whole range, so every org has steady traffic to test against.
    if (i === 0) [ws, status, lastIdx, expiresAt] = [workspaces.length > 0 ? 0 : -1, 'active', historyDays, null];
    const base = `${rng.pick(KEY_ENVS)}-${rng.pick(KEY_PURPOSES)}`;
    const nModels = models.length > 1 && rng.chance(0.4) ? 2 : 1;
    const keyModels: number[] = [];
    while (keyModels.length < nModels) {
      const m = weightedModel(rng, models);
      if (!keyModels.includes(m)) keyModels.push(m);
    }
    const secret = rng.id(8);
    apiKeys.push({
      id: `apikey_01${rng.id(22)}`,
      name: uniqueName(`${base}`, keySeen).replace(' ', '-').replace(/^([a-z]+-[a-z]+)$/, '$1-1'),
      ws,
      status,
      createdAt: iso(firstMs + createdIdx * DAY_MS + rng.int(DAY_MS)),
      createdBy: rng.int(users.length),
      hint: `sk-ant-api03-${secret.slice(0, 3)}...${secret.slice(3, 7)}AA`,
      expiresAt,
      firstIdx: i === 0 ? 0 : Math.max(0, createdIdx),
      lastIdx: Math.min(historyDays, lastIdx),
      activity: 0.35 + rng.next() * 0.6,
      scale: Math.min(40, rng.logNormal(1.1)),
      models: keyModels,
      batch: rng.chance(0.2),
      priority: rng.chance(0.05),
      longContext: rng.chance(0.15),
      geo: rng.chance(0.2) ? 1 : 0,
      serviceAccount: rng.chance(0.1) ? rng.int(serviceAccounts.length) : -1,
      webSearch: rng.chance(0.25),
      peakHour: (13 + rng.int(8)) % 24,
    });
  }

  ensureEveryStatus(apiKeys, firstMs, rng);

  const codeModels = [0, 1, 2].filter((m) => m < models.length);
  const pickCodeModels = () => (codeModels.length > 1 && rng.chance(0.5) ? [codeModels[0]!, rng.pick(codeModels.slice(1))] : [codeModels[0]!]);
  const codeActors: CodeActor[] = [];
  for (let i = 0; i < shape.claudeCodeUsers; i++) {
    const sub = rng.next();
    codeActors.push({
      type: 'user_actor',
      label: users[i]!.email,
      customerType: sub < 0.7 ? 'subscription' : 'api',
      subscriptionType: sub < 0.45 ? 'enterprise' : sub < 0.7 ? 'team' : null,
      terminal: rng.pick(TERMINALS),
      activity: 0.3 + rng.next() * 0.6,
      remoteShare: rng.chance(0.3) ? 0.4 : 0.05,
      intensity: Math.min(10, rng.logNormal(0.7)),
      models: pickCodeModels(),
    });
  }
  const apiActors = Math.max(1, Math.ceil(shape.apiKeys / 50));
  for (let i = 0; i < apiActors && i < apiKeys.length; i++) {
    codeActors.push({
      type: 'api_actor',
      label: apiKeys[i]!.name,
      customerType: 'api',
      subscriptionType: null,
      terminal: 'non-interactive',
      activity: 0.6,
      remoteShare: 0,
      intensity: 2,
      models: [codeModels[0]!],
    });
  }

  const consoleUsers = users.map((_, i) => i).filter((i) => i % 5 === 0).slice(0, 50);

  return { organizationId: uuid(rng), firstDay, today, historyDays, models, workspaces, apiKeys, users, serviceAccounts, codeActors, consoleUsers };
}

/** Clients must handle every key status, so even a 12-key org has one of each (taken from live keys, never the first). */
function ensureEveryStatus(keys: ApiKey[], firstMs: number, rng: Rng): void {
  for (const status of ['inactive', 'expired', 'archived'] as const) {
    if (keys.some((k) => k.status === status)) continue;
    const k = [...keys].reverse().find((c, i) => c.status === 'active' && i < keys.length - 1);
    if (!k) return;
    k.status = status;
    k.lastIdx = k.firstIdx + rng.int(Math.max(1, k.lastIdx - k.firstIdx));
    k.expiresAt = status === 'expired' ? iso(firstMs + (k.lastIdx + 1) * DAY_MS) : null;
  }
}
