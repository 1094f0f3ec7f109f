/**
 * validate proves each organization separately (issue 14): two organizations in one DuckDB file,
 * every check run per organization on its own rows and ledger. A defect planted in one organization
 * fails that organization alone, by name; the other passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/check.js';
import type { OrganizationVerdict } from '../../src/checks/index.js';
import { ExactDecimal, sumDecimals } from '../../src/util/money.js';
import { KEY_A, twoOrganizations, type TwoOrganizations } from '../helpers/two-organizations.js';

const TODAY = '2026-05-10';
const FROM = '2026-04-26';
const DAY = '2026-05-02';

let w: TwoOrganizations;
let copies = 0;

beforeAll(async () => {
  w = await twoOrganizations({ today: TODAY, from: FROM });
}, 120_000);
afterAll(async () => {
  await w?.close();
});

interface Doc {
  status: string;
  results: CheckResult[];
  organizations?: OrganizationVerdict[];
  summary: { totalUsd: string };
}

async function validate(file: string, args: string[] = []): Promise<{ code: number; stderr: string; doc: Doc }> {
  const res = await w.cli(['validate', '--json', ...args], file);
  return { code: res.code, stderr: res.stderr, doc: JSON.parse(res.stdout || '{"results":[]}') as Doc };
}

/** The result of one check for one organization. */
function result(doc: Doc, id: string, org: string): CheckResult {
  const r = doc.results.find((x) => x.id === id && x.organization?.id === org);
  if (!r) throw new Error(`no ${id} result for ${org}: ${JSON.stringify(doc.results.map((x) => [x.id, x.organization?.id]))}`);
  return r;
}

const verdict = (doc: Doc, org: string) => doc.organizations?.find((o) => o.id === org)?.status;
const planted = (...sql: string[]) => w.planted(`defect-${++copies}.duckdb`, ...sql);

describe('validate with two organizations', () => {
  it('runs every data check once per organization, each on its own total', async () => {
    const v = await validate(w.file);
    expect(v.code, v.stderr).toBe(0);
    expect(v.doc.organizations?.map((o) => o.id).sort()).toEqual([w.a, w.b].sort());
    for (const org of [w.a, w.b]) {
      for (const id of ['completeness', 'duplicates', 'gaps', 'failed-windows', 'analytics-completeness', 'focus-single-source']) {
        expect(result(v.doc, id, org).status, `${id} ${org}`).toBe('PASS');
      }
    }
    // A check about the tool itself is judged once, not per organization.
    expect(v.doc.results.filter((r) => r.id === 'no-double-count')).toHaveLength(1);
    // Each organization's total is its own ground truth; the summary is their sum.
    const truthA = w.emu.truthFor(KEY_A).costCentsRange(FROM, TODAY);
    const a = v.doc.organizations!.find((o) => o.id === w.a)!;
    expect(new ExactDecimal(a.totalUsd).times(100).eq(truthA), `${a.totalUsd} vs ${truthA} cents`).toBe(true);
    const sum = sumDecimals(v.doc.organizations!.map((o) => o.totalUsd));
    expect(sumDecimals([v.doc.summary.totalUsd])).toBe(sum);
  });

  it('a lost cost line in one organization fails completeness for it alone, naming it', async () => {
    const file = await planted(`DELETE FROM claude_costs WHERE rowid = (SELECT MIN(rowid) FROM claude_costs WHERE organization_id = '${w.a}' AND activity_date = '${DAY}')`);
    const v = await validate(file);
    expect(v.code).toBe(1);
    const bad = result(v.doc, 'completeness', w.a);
    expect(bad.status).toBe('FAIL');
    expect(bad.days).toEqual([DAY]);
    expect(bad.action).toContain(`--org ${w.a}`);
    expect(result(v.doc, 'completeness', w.b).status).toBe('PASS');
    expect(verdict(v.doc, w.a)).toBe('FAIL');
    expect(verdict(v.doc, w.b)).not.toBe('FAIL');
    // The table people read names the failing organization on its line.
    const text = await w.cli(['validate'], file);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`FAIL\\s+${w.nameA} \\(${w.a}\\)`));
    expect(text.stdout).toMatch(new RegExp(`${w.nameA}\\s+completeness\\s+FAIL`));
    expect(text.stdout).toMatch(new RegExp(`${w.nameB}\\s+completeness\\s+PASS`));

    // --org selects one: the other organization alone passes, by name or by id.
    for (const sel of [w.nameB, w.b]) {
      const only = await validate(file, ['--org', sel]);
      expect(only.code, only.stderr).toBe(0);
      expect(only.doc.organizations?.map((o) => o.id)).toEqual([w.b]);
      expect(only.doc.results.every((r) => r.organization === undefined || r.organization.id === w.b)).toBe(true);
    }
    const onlyA = await validate(file, ['--org', w.nameA]);
    expect(onlyA.code).toBe(1);
  });

  it("a missing ledger window in one organization is a gap of that organization only (the other's windows do not cover it)", async () => {
    const file = await planted(`DELETE FROM ingest_windows WHERE organization_id = '${w.b}' AND stream = 'cost'`);
    const v = await validate(file);
    expect(v.code).toBe(1);
    const gaps = result(v.doc, 'gaps', w.b);
    expect(gaps.status).toBe('FAIL');
    expect(gaps.detail).toContain('cost ');
    expect(result(v.doc, 'gaps', w.a).status).toBe('PASS');
  });

  it('a failed window and a duplicate row each fail their own organization', async () => {
    const file = await planted(
      `UPDATE ingest_windows SET status = 'failed', error = 'planted' WHERE organization_id = '${w.a}' AND stream = 'usage'`,
      `INSERT INTO claude_costs SELECT * FROM claude_costs WHERE organization_id = '${w.b}' AND activity_date = '${DAY}' LIMIT 1`,
    );
    const v = await validate(file);
    expect(result(v.doc, 'failed-windows', w.a).status).toBe('FAIL');
    expect(result(v.doc, 'failed-windows', w.a).action).toBe(`claude-ingest retry --org ${w.a}`);
    expect(result(v.doc, 'failed-windows', w.b).status).toBe('PASS');
    expect(result(v.doc, 'duplicates', w.b).status).toBe('FAIL');
    expect(result(v.doc, 'duplicates', w.a).status).toBe('PASS');
  });

  it('--org that matches nothing, and a Console total without --org, are input errors', async () => {
    const none = await w.cli(['validate', '--org', 'Nope']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--org Nope matches no organization');
    expect(none.stderr).toContain(w.a);
    const total = await w.cli(['validate', '--expect-total-usd', '1']);
    expect(total.code).toBe(2);
    expect(total.stderr).toContain('add --org NAME|ID');
    // With --org, the Console total is that organization's alone.
    const usdA = new ExactDecimal(w.emu.truthFor(KEY_A).costCentsRange(FROM, TODAY)).div(100).toFixed();
    const match = await validate(w.file, ['--org', w.a, '--expect-total-usd', usdA]);
    expect(match.code, match.stderr).toBe(0);
    expect(result(match.doc, 'console-match', w.a).status).toBe('PASS');
  });
});
