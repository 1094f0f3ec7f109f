/**
 * Allocation on a one-year warehouse (docs/performance.md, "allocation"): `report --by team`,
 * `chargeback --month` (the last whole month), `validate` with the allocation check, and the
 * dashboard's /api/allocation over the year, each beside a target of ≤ 1 s and as a ratio against
 * `report --by workspace` over the same year, measured in the same run (the machine is shared, so the
 * ratio is what to read). The rules are the demo's (src/cli/demo-allocation.ts: products, key globs, a
 * proportional split of the staging keys, a CSV file). Each step is a child process of the built CLI.
 *
 * Standalone, on a warehouse of your own (a copy: validate keeps its proofs in it):
 *   node dist/bench/allocation.js FILE.duckdb [FROM TO]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_ALLOCATION_YAML, DEMO_TEAMS_CSV } from '../src/cli/demo-allocation.js';
import type { IsoDay } from '../src/util/dates.js';
import { runMeasured, type ChildResult } from './child.js';
import { startDashboardProcess } from './reading.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(resolve(HERE, '../..'), 'bin/claude-ingest.js');

export interface AllocationBenchResult {
  from: IsoDay;
  to: IsoDay;
  month: string;
  /** report --by workspace over the range: the baseline of the same run. */
  byWorkspaceS: number;
  byTeamS: number;
  chargebackS: number;
  validateS: number;
  apiAllocationS: number;
  /** allocate --rebuild of the chargeback month, with the heap an ingest runs with (run/backfill allocate at their end). */
  allocateMonthS: number;
  allocateExit: number;
  peakRssMb: { byTeam: number | null; chargeback: number | null; validate: number | null; allocateMonth: number | null };
  exitCodes: number[];
}

export async function measureAllocation(file: string, env: Record<string, string>, dir: string, from: IsoDay, to: IsoDay): Promise<AllocationBenchResult> {
  const config = join(dir, 'allocation-bench.yaml');
  writeFileSync(config, DEMO_ALLOCATION_YAML);
  writeFileSync(join(dir, 'demo-teams.csv'), DEMO_TEAMS_CSV);
  const codes: number[] = [];
  const step = async (args: string[]): Promise<ChildResult> => {
    const r = await runMeasured([BIN, ...args, '--warehouse', `duckdb:${file}`], env, dir);
    codes.push(r.code);
    if (r.code > 1) process.stdout.write(`    ${args.slice(0, 3).join(' ')} exit ${r.code}: ${r.stderr.split('\n').slice(-3).join(' ')}\n`);
    return r;
  };
  const range = ['--from', from, '--to', to];
  const month = to.slice(0, 7) === from.slice(0, 7) ? to.slice(0, 7) : monthBefore(to);
  const byWorkspace = await step(['report', '--by', 'workspace', ...range, '--format', 'json']);
  const byTeam = await step(['report', '--by', 'team', '--config', config, ...range, '--format', 'json']);
  const chargeback = await step(['chargeback', '--month', month, '--config', config, '--out', join(dir, 'chargeback.csv')]);
  const validate = await step(['validate', '--config', config, ...range, '--json']);
  // The month rebuilt under the memory flags of run/backfill (src/cli/memory-flags.ts), whose end allocates it.
  const [y, m] = month.split('-').map(Number) as [number, number];
  const monthEnd = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  const allocateMonth = await runMeasured(
    [BIN, 'allocate', '--rebuild', '--from', `${month}-01`, '--to', monthEnd, '--config', config, '--warehouse', `duckdb:${file}`],
    { ...env, NODE_OPTIONS: '--max-old-space-size=128 --max-semi-space-size=8' },
    dir,
  );
  const dash = await startDashboardProcess(file, env, dir, ['--config', config]);
  let apiAllocationS: number;
  try {
    const started = performance.now();
    const res = await fetch(`${dash.url}/api/allocation?from=${from}&to=${to}&dim=team`);
    await res.text();
    if (res.status !== 200) process.stdout.write(`    /api/allocation answered ${res.status}\n`);
    apiAllocationS = (performance.now() - started) / 1000;
  } finally {
    dash.stop();
  }
  return {
    from,
    to,
    month,
    byWorkspaceS: byWorkspace.wallMs / 1000,
    byTeamS: byTeam.wallMs / 1000,
    chargebackS: chargeback.wallMs / 1000,
    validateS: validate.wallMs / 1000,
    apiAllocationS,
    allocateMonthS: allocateMonth.wallMs / 1000,
    allocateExit: allocateMonth.code,
    peakRssMb: { byTeam: byTeam.peakRssMb, chargeback: chargeback.peakRssMb, validate: validate.peakRssMb, allocateMonth: allocateMonth.peakRssMb },
    exitCodes: codes,
  };
}

/** The last whole month before a day's month. */
function monthBefore(day: IsoDay): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** Each figure beside its target, and as a ratio against report --by workspace of the same run. */
export function allocationReport(r: AllocationBenchResult, label: string): string {
  const row = (what: string, s: number) => `  ${what.padEnd(58)} ${`${s.toFixed(2)} s`.padStart(10)}   target ≤ 1 s ${s <= 1 ? 'met    ' : 'NOT met'}   ${(s / r.byWorkspaceS).toFixed(1).padStart(6)}× report --by workspace`;
  return [
    `Allocation on the ${label} warehouse (${r.from}..${r.to}; demo rules; each step a child process of the CLI)`,
    `  ${'report --by workspace (baseline of this run)'.padEnd(58)} ${`${r.byWorkspaceS.toFixed(2)} s`.padStart(10)}`,
    row('report --by team (the year)', r.byTeamS),
    row(`chargeback --month ${r.month}`, r.chargebackS),
    row('validate with the allocation check (the year)', r.validateS),
    row('dashboard /api/allocation (the year, dim=team)', r.apiAllocationS),
    `  peak RSS: report --by team ${r.peakRssMb.byTeam ?? 'n/a'} MB, chargeback ${r.peakRssMb.chargeback ?? 'n/a'} MB, validate ${r.peakRssMb.validate ?? 'n/a'} MB`,
    `  allocate --rebuild ${r.month} with an ingest's 128 MB heap: ${r.allocateExit === 0 ? `${r.allocateMonthS.toFixed(2)} s, peak RSS ${r.peakRssMb.allocateMonth ?? 'n/a'} MB (target ≤ 300 MB ${r.peakRssMb.allocateMonth !== null && r.peakRssMb.allocateMonth <= 300 ? 'met' : 'NOT met'})` : `FAILED (exit ${r.allocateExit})`}`,
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, from = '2025-07-01', to = '2026-06-30'] = process.argv.slice(2);
  if (!file) throw new Error('usage: node dist/bench/allocation.js FILE.duckdb [FROM TO]');
  const dir = mkdtempSync(join(tmpdir(), 'claude-ingest-allocation-'));
  try {
    const r = await measureAllocation(resolve(file), { CLAUDE_INGEST_TODAY: process.env.CLAUDE_INGEST_TODAY ?? to }, dir, from as IsoDay, to as IsoDay);
    process.stdout.write(`${allocationReport(r, file)}\n${JSON.stringify(r)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
