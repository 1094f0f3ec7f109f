/** `claude-ingest demo` ends with the validation table, a pointer to `report` and one to the dashboard. */
import { join } from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import { expect, it } from 'vitest';
import { sumDecimals } from '../../src/util/money.js';
import { runCli, tempDir } from '../helpers/cli.js';

it('demo prints the validation table last, all PASS, then points at report and the dashboard', async () => {
  const dir = tempDir('ci-demo-');
  try {
    const out = join(dir, 'demo.duckdb');
    const res = await runCli(['demo', '--days', '5', '--org', 'small', '--out', out], { CLAUDE_INGEST_TODAY: '2026-03-15' });
    expect(res.code, res.stderr).toBe(0);
    const tail = res.stdout.slice(res.stdout.indexOf('Validation 2026-03-11..2026-03-15'));
    expect(tail).toMatch(/^Validation 2026-03-11\.\.2026-03-15 \(5 days/);
    for (const id of ['completeness', 'cents', 'duplicates', 'gaps', 'failed-windows', 'no-double-count', 'freshness']) {
      expect(tail).toMatch(new RegExp(`\\n${id} +PASS `));
    }
    const last = res.stdout.trimEnd().split('\n').slice(-2);
    expect(last[0]).toBe(`More: claude-ingest report --by month|workspace|model|api_key|user --warehouse duckdb:${out}`);
    expect(last[1]).toMatch(new RegExp(`^Dashboard: claude-ingest dashboard --warehouse duckdb:${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('demo --orgs 2 ingests two organizations into one warehouse and summarizes each, adding up to the total', async () => {
  const dir = tempDir('ci-demo-');
  try {
    const out = join(dir, 'demo.duckdb');
    const res = await runCli(['demo', '--days', '5', '--org', 'small', '--orgs', '2', '--out', out], { CLAUDE_INGEST_TODAY: '2026-03-15' });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('of 2 organizations from the built-in emulator');
    const sections = [...res.stdout.matchAll(/^== (.+) \((\S+)\) ==\nTotal cost \S+: \S+ \(exact: (\S+) USD\)/gm)];
    expect(sections).toHaveLength(2);
    expect(new Set(sections.map((m) => m[2])).size).toBe(2);
    const overall = /^Total cost \S+: \S+ \(exact: (\S+) USD\)/m.exec(res.stdout)![1]!;
    expect(sumDecimals(sections.map((m) => m[3]!))).toBe(sumDecimals([overall]));
    // validate proves each organization on its own: one verdict line per organization, none failing.
    for (const m of sections) expect(res.stdout).toMatch(new RegExp(`^(PASS|WARN)\\s+${m[1]} \\(${m[2]}\\): `, 'm'));
    expect(res.stdout).toContain('claude-ingest report --by organization');
    const bad = await runCli(['demo', '--orgs', '9', '--out', out], { CLAUDE_INGEST_TODAY: '2026-03-15' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--orgs 9 is not a number of organizations from 1 to 5');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('demo ends with no warning on healthy data and prints a reconciled month against an invoice from the emulator', async () => {
  const dir = tempDir('ci-demo-rec-');
  try {
    const out = join(dir, 'demo.duckdb');
    const res = await runCli(['demo', '--days', '45', '--org', 'small', '--out', out], { CLAUDE_INGEST_TODAY: '2026-03-15' });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('All checks passed.');
    expect(res.stdout).toMatch(/\ncross-api +PASS +45 days bridged +bridged: API \$[\d,.]+ = cost_report \$[\d,.]+; outside cost_report: /);
    const rec = res.stdout.slice(res.stdout.indexOf('Reconcile 2026-02 against invoice DEMO-2026-02: 28 of 28 days held'));
    expect(rec).toMatch(/^Reconcile 2026-02/);
    expect(rec).toContain('Team plan seats (configured)');
    expect(rec).toMatch(/tolerance invoice precision \(each line = expected rounded half-even to the cent\): WITHIN\./);
    expect(rec).not.toContain('matching nothing');
    expect(rec).not.toContain('not on the invoice');
    // Who pays (issue 25): the example rules add up every day (no unused rule), and the month's chargeback is shown and written.
    expect(res.stdout).toMatch(/\nallocation +PASS +45 days add up +Every day's allocated and unallocated cost equals its billed total plus its fixed fees \(prorated by days\)/);
    const cb = res.stdout.slice(res.stdout.indexOf('Chargeback 2026-02 by team'));
    expect(cb).toMatch(/^Chargeback 2026-02 by team \(allocation rules [0-9a-f]{16}, \d+ detail lines\)/);
    for (const team of ['Platform', 'Engineering', 'Business', 'Research']) expect(cb).toMatch(new RegExp(`\\n${team} +\\$[\\d,.]+ +[\\d.]+ %`));
    const file = join(dir, 'demo-chargeback-2026-02.csv');
    const csv = readFileSync(file, 'utf8');
    expect(csv).toMatch(/^# claude-ingest chargeback 2026-02 \(2026-02-01\.\.2026-02-28\) by team, cost_center\n# rules: [0-9a-f]{16} \(5 rules\)\n/);
    expect(readFileSync(join(dir, 'demo-allocation.yaml'), 'utf8')).toContain('allocation:');
    // The demo's fee is allocated to Engineering: one configured line with the whole month's 25 × $30, and the totals say what they include.
    expect(csv).toContain('\nEngineering,CC-300,,,,,configured,Team plan seats (configured),750,750\n');
    expect(csv).toMatch(/\n# the totals include: billed API usage \+ fixed fees \(configured in claude-ingest\.yaml, not API data\): API usage [\d.]+ \+ fixed fees \(configured\) 750;/);
    expect(cb).toContain('The totals include fixed fees (configured, not API data): $750.00 of $');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
