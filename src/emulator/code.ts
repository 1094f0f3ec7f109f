/** Claude Code activity records for one day: one per actor per day, as the real report sends them. */
import { KNOWN_TOOLS, OTHER_TOOL } from './catalog.js';
import type { Org } from './org.js';
import { Rng } from './prng.js';
import { dayFactors } from './usage.js';

export interface CodeModelUsage {
  model: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  /** Estimated cost in hundredths of a cent, so the JSON number (cents) has at most two decimals. */
  costHundredths: number;
}

export interface CodeRecord {
  actor: number;
  /** Sessions ran on the web (terminal_type "web") rather than in the actor's usual terminal. */
  remote: boolean;
  sessions: number;
  added: number;
  removed: number;
  commits: number;
  prs: number;
  tools: Array<[name: string, accepted: number, rejected: number]>;
  models: CodeModelUsage[];
}

function record(org: Org, rng: Rng, actor: number, remote: boolean, volume: number): CodeRecord {
  const a = org.codeActors[actor]!;
  const sessions = 1 + rng.int(Math.max(1, Math.round(4 * a.intensity * volume)));
  const added = rng.int(sessions * (20 + rng.int(200)));
  const commits = rng.int(Math.ceil(sessions * 1.5));
  const tools: CodeRecord['tools'] = [];
  for (const name of KNOWN_TOOLS) {
    const accepted = name === 'notebook_edit_tool' && !rng.chance(0.1) ? 0 : rng.int(sessions * 8 + 1);
    tools.push([name, accepted, rng.int(Math.ceil(accepted * 0.2) + 1)]);
  }
  if (rng.chance(0.05)) tools.push([OTHER_TOOL, rng.int(10), rng.int(3)]);
  const models = a.models.map((m): CodeModelUsage => {
    const input = sessions * (5_000 + rng.int(30_000));
    const usage = { model: m, input, output: Math.floor(input * (0.2 + 0.3 * rng.next())), cacheRead: input * (4 + rng.int(8)), cacheCreation: Math.floor(input * 0.5 * rng.next()), costHundredths: 0 };
    const p = org.models[m]!.price;
    // cents = Σ tokens × cents/MTok / 1e6; hundredths of a cent = that / 1e4 ... rounded, since it is an estimate.
    usage.costHundredths = Math.round((usage.input * p[0] + usage.output * p[1] + usage.cacheRead * p[2] + usage.cacheCreation * p[3]) / 10_000);
    return usage;
  });
  return { actor, remote, sessions, added, removed: rng.int(Math.floor(added * 0.5) + 1), commits, prs: rng.chance(0.3) ? rng.int(commits + 1) : 0, tools, models };
}

export function generateCode(org: Org, seed: number, day: string, idx: number, dow: number, revision: number): CodeRecord[] {
  const rng = new Rng(`code|${seed}|${day}`);
  const { weekend, growth } = dayFactors(org, idx, dow);
  const out: CodeRecord[] = [];
  for (let a = 0; a < org.codeActors.length; a++) {
    const actor = org.codeActors[a]!;
    if (!rng.chance(actor.activity * (weekend ? 0.25 : 1))) continue;
    out.push(record(org, rng, a, rng.chance(actor.remoteShare), growth));
  }
  if (revision > 0 && out.length > 0) {
    // Late sessions land on a few existing records (never new actors), like delayed telemetry.
    const late = new Rng(`late-code|${seed}|${day}|${revision}`);
    const touched = Math.max(1, Math.floor(out.length * 0.1));
    for (let j = 0; j < touched; j++) {
      const r = out[late.int(out.length)]!;
      r.sessions += 1;
      r.added += late.int(100);
      r.tools[0]![1] += 1 + late.int(5);
      const m = r.models[0]!;
      m.input += 1_000 + late.int(10_000);
      m.costHundredths += 1 + late.int(500);
    }
  }
  return out;
}

/**
 * The JSON number the report sends as estimated_cost.amount (cents). The real API sends a float, so
 * every seventh amount is built as a float sum and carries binary-float digits (0.1 + 0.2 style);
 * the ground truth reads the same number, so both sides see what a client sees.
 */
export function estimatedCostAmount(m: CodeModelUsage): number {
  const h = m.costHundredths;
  if (h % 7 !== 3) return h / 100;
  const half = Math.floor(h / 2);
  return half / 100 + (h - half) / 100 + 0.1 + 0.2 - 0.3;
}
