/** allocation: in claude-ingest.yaml and its CSV rule files: one line per problem with the key path (or file:line), and the rule set the engine takes. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allocationRulesOfConfig, loadAllocationRules, MAX_RULES_CSV_BYTES } from '../../src/config/allocation-rules.js';
import { ConfigFileError, loadConfig } from '../../src/config/load.js';
import { errorLines, runCli, tempDir } from '../helpers/cli.js';

const dir = tempDir('ci-alloc-config-');
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigFileError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigFileError');
};

const FEE_DIMS = 'allocation:\n  dimensions: [team]\nfixed_costs:\n';

const GOOD = `allocation:
  dimensions: [team, cost_center]
  rules:
    - match: { api_key: "prod-search-*" }
      set: { team: Search, cost_center: CC-104 }
    - name: research workspace
      match: { workspace: Research }
      set: { team: Research, cost_center: CC-200 }
      from: 2026-10-01
    - match: { user: "*@ml.example.com", product: claude_code }
      set: { team: ML }
    - match: { api_key: shared-* }
      split: { by: team, percent: { Search: 60, ML: 40 } }
      set: { cost_center: CC-999 }
  files:
    - path: ./teams.csv
  unallocated: { team: Unallocated, cost_center: "-" }
`;

describe('allocation config', () => {
  it('reads inline rules, then the CSV rows in order, with defaults and a stable hash', () => {
    write('teams.csv', '# exported from the IdP\nkind,match,team,cost_center,from,to\nuser,alice@example.com,Search,CC-104,,\nworkspace,wrkspc_01,Platform,,2026-01-01,2026-07-01\n');
    const path = write('good.yaml', GOOD);
    const loaded = loadConfig(path, {});
    const set = loadAllocationRules(loaded.config.allocation, loaded.path)!;
    expect(set.dimensions).toEqual(['team', 'cost_center']);
    expect(set.rules.map((r) => r.name)).toEqual(['rules[0]', 'research workspace', 'rules[2]', 'rules[3]', 'teams.csv:3', 'teams.csv:4']);
    expect(set.rules[4]).toEqual({ name: 'teams.csv:3', match: { user: 'alice@example.com' }, set: { team: 'Search', cost_center: 'CC-104' } });
    expect(set.rules[5]).toEqual({ name: 'teams.csv:4', match: { workspace: 'wrkspc_01' }, set: { team: 'Platform' }, from: '2026-01-01', to: '2026-07-01' });
    expect(set.rules[3]!.split).toEqual({ by: 'team', percent: { Search: 60, ML: 40 } });
    expect(set.unallocated).toEqual({ team: 'Unallocated', cost_center: '-' });
    expect(set.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(loadAllocationRules(loadConfig(path, {}).config.allocation, path)!.hash).toBe(set.hash);
    // A changed value restates: the hash says so.
    write('teams.csv', 'kind,match,team,cost_center,from,to\nuser,alice@example.com,ML,CC-104,,\nworkspace,wrkspc_01,Platform,,2026-01-01,2026-07-01\n');
    expect(loadAllocationRules(loadConfig(path, {}).config.allocation, path)!.hash).not.toBe(set.hash);
  });

  it('unallocated defaults to "Unallocated" for every dimension', () => {
    const path = write('min.yaml', 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: { model: "claude-opus-*" }, set: { team: Research } }\n');
    const set = loadAllocationRules(loadConfig(path, {}).config.allocation, path)!;
    expect(set.unallocated).toEqual({ team: 'Unallocated' });
    expect(loadAllocationRules(undefined, path)).toBeNull();
  });

  it.each([
    ['no dimensions', 'allocation:\n  dimensions: []\n', /x\.yaml:2: allocation\.dimensions: .*>=1/],
    ['a reserved dimension', 'allocation:\n  dimensions: [team, product]\n', /allocation\.dimensions\[1\]: "product" is a reserved name/],
    ['a FOCUS Tags key as a dimension', 'allocation:\n  dimensions: [team, service_tier]\n', /allocation\.dimensions\[1\]: "service_tier" is a reserved name/],
    ['a bad dimension name', 'allocation:\n  dimensions: [Team]\n', /allocation\.dimensions\[0\]: expected a lower-case name/],
    ['set names an unknown dimension', 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: { workspace: R }, set: { teem: R } }\n', /allocation\.rules\[0\]\.set\.teem: "teem" is not one of dimensions \(team\)/],
    ['an empty match', 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: {}, set: { team: R } }\n', /allocation\.rules\[0\]\.match: expected at least one of api_key, workspace, user/],
    ['an unknown match key', 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: { key: R, workspace: W }, set: { team: R } }\n', /allocation\.rules\[0\]\.match: unknown key "key"/],
    ['nothing set', 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: { workspace: R } }\n', /allocation\.rules\[0\]\.set: expected at least one dimension value/],
    ['dates the wrong way round', 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: { workspace: R }, set: { team: R }, from: 2026-10-01, to: 2026-10-01 }\n', /allocation\.rules\[0\]\.to: expected from before to/],
    ['a bad day', 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: { workspace: R }, set: { team: R }, from: 1 Oct }\n', /allocation\.rules\[0\]\.from: expected a day such as 2026-10-01/],
    ['percentages not adding to 100', 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: { api_key: s }, split: { by: team, percent: { A: 60, B: 30 } } }\n', /allocation\.rules\[0\]\.split\.percent: expected percentages adding up to 100/],
    ['split by an unknown dimension', 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: { api_key: s }, split: { by: squad, proportional_to: billed } }\n', /allocation\.rules\[0\]\.split\.by: "squad" is not one of dimensions/],
    ['split with both bases', 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: { api_key: s }, split: { by: team, proportional_to: billed, percent: { A: 100 } } }\n', /allocation\.rules\[0\]\.split: expected exactly one of proportional_to, percent/],
    ['unallocated of an unknown dimension', 'allocation:\n  dimensions: [team]\n  unallocated: { squad: "-" }\n', /allocation\.unallocated\.squad: "squad" is not one of dimensions/],
    ['a fee allocated to an unknown dimension', `${FEE_DIMS}  - { name: Seats, monthly_usd: 30, allocate: { team: P, squad: S } }\n`, /x\.yaml:\d+: fixed_costs\[0\]\.allocate\.squad: "squad" is not one of allocation\.dimensions \(team\)/],
    ['a fee allocated with no allocation: section', 'fixed_costs:\n  - { name: Seats, monthly_usd: 30, allocate: { team: P } }\n', /fixed_costs\[0\]\.allocate\.team: "team" is not one of allocation\.dimensions \(no allocation: section\)/],
    ['a fee split by an unknown dimension', `${FEE_DIMS}  - { name: Seats, monthly_usd: 30, split: { by: squad, proportional_to: billed } }\n`, /fixed_costs\[0\]\.split\.by: "squad" is not one of allocation\.dimensions/],
    ['a fee split not adding to 100', `${FEE_DIMS}  - { name: Seats, monthly_usd: 30, split: { by: team, percent: { A: 60, B: 30 } } }\n`, /fixed_costs\[0\]\.split\.percent: expected percentages adding up to 100/],
    ['a fee with both allocate and allocate_to', `${FEE_DIMS}  - { name: Seats, monthly_usd: 30, allocate_to: P, allocate: { team: P } }\n`, /fixed_costs\[0\]: expected at most one of allocate_to, allocate, split/],
  ])('%s: one line with the key path', (_what, yaml, expected) => {
    const lines = problemsOf(() => loadConfig(write('x.yaml', yaml), {}));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
  });

  it('a bad CSV rules file: one line per problem, file:line: column', () => {
    write('bad.csv', 'kind,match,team,from,to\nuser,,Search,,\nkey,prod-*,Search,,\napi_key,prod-*,,,\nworkspace,R,Research,2026-13-01,\nmodel,claude-*,ML,2026-10-01,2026-09-01\n');
    const path = write('csv.yaml', 'allocation:\n  dimensions: [team]\n  files:\n    - path: bad.csv\n');
    const lines = problemsOf(() => loadAllocationRules(loadConfig(path, {}).config.allocation, path));
    expect(lines).toEqual([
      'bad.csv:2: match: expected a name, id or pattern',
      'bad.csv:3: kind: "key" is not one of api_key, workspace, user, service_account, product, model, cost_type',
      'bad.csv:4: expected a value in at least one of team',
      'bad.csv:5: from: "2026-13-01" is not a day such as 2026-10-01',
      'bad.csv:6: to: expected a day after from (to is exclusive)',
    ]);
    write('cols.csv', 'kind,pattern,team\nuser,a,b\n');
    const p2 = write('cols.yaml', 'allocation:\n  dimensions: [team]\n  files:\n    - path: cols.csv\n');
    expect(problemsOf(() => loadAllocationRules(loadConfig(p2, {}).config.allocation, p2))).toEqual([expect.stringMatching(/^cols\.csv:1: missing column match: the columns are kind, match, team, from, to$/)]);
    const p3 = write('nofile.yaml', 'allocation:\n  dimensions: [team]\n  files:\n    - path: nowhere.csv\n');
    expect(problemsOf(() => loadAllocationRules(loadConfig(p3, {}).config.allocation, p3))).toEqual([expect.stringMatching(/nowhere\.csv: the allocation rules file cannot be read \(ENOENT\)/)]);
  });

  it('a CSV rules file over the size cap is one line and nothing runs (exit 2); one at the cap is read', async () => {
    const row = 'user,someone@example.com,Search\n';
    const header = 'kind,match,team\n';
    const atCap = header + row.repeat(Math.floor((MAX_RULES_CSV_BYTES - header.length) / row.length));
    write('at-cap.csv', atCap);
    const ok = write('at-cap.yaml', 'allocation:\n  dimensions: [team]\n  files:\n    - path: at-cap.csv\n');
    expect(loadAllocationRules(loadConfig(ok, {}).config.allocation, ok)?.rules.length).toBe(Math.floor((MAX_RULES_CSV_BYTES - header.length) / row.length));
    write('huge.csv', `${atCap}${row.repeat(Math.ceil((MAX_RULES_CSV_BYTES - atCap.length) / row.length) + 1)}`);
    const big = write('huge.yaml', 'allocation:\n  dimensions: [team]\n  files:\n    - path: huge.csv\n');
    expect(problemsOf(() => loadAllocationRules(loadConfig(big, {}).config.allocation, big))).toEqual([
      expect.stringMatching(/huge\.csv is [\d,]+ bytes, more than an allocation rules file may hold \(8,388,608\): check allocation\.files\[\]\.path, or split the rules into several files$/),
    ]);
    const res = await runCli(['report', '--by', 'team', '--config', big, '--warehouse', `duckdb:${join(dir, 'never.duckdb')}`], {});
    expect(res.code).toBe(2);
    expect(errorLines(res.stderr)).toEqual([expect.stringMatching(/huge\.csv is [\d,]+ bytes, more than an allocation rules file may hold/)]);
    expect(existsSync(join(dir, 'never.duckdb'))).toBe(false);
  });

  it('fee allocations: allocate, split and allocate_to (the first dimension) in the rule set, and in its hash', () => {
    const yaml = `allocation:\n  dimensions: [team, cost_center]\nfixed_costs:\n  - { name: Seats, monthly_usd: 30, allocate: { team: P, cost_center: CC-1 } }\n  - { name: Support, monthly_usd: 9, split: { by: team, percent: { A: 60, B: 40 } } }\n  - { name: Old, monthly_usd: 1, allocate_to: Legacy }\n  - { name: Nobody, monthly_usd: 1 }\n`;
    const path = write('fees.yaml', yaml);
    const loaded = loadConfig(path, {});
    const set = allocationRulesOfConfig(loaded.config, path)!;
    expect(set.fees).toEqual([
      { name: 'Seats', set: { team: 'P', cost_center: 'CC-1' } },
      { name: 'Support', set: {}, split: { by: 'team', percent: { A: 60, B: 40 } } },
      { name: 'Old', set: { team: 'Legacy' } },
    ]);
    const restated = write('fees2.yaml', yaml.replace('A: 60, B: 40', 'A: 50, B: 50'));
    expect(allocationRulesOfConfig(loadConfig(restated, {}).config, restated)!.hash).not.toBe(set.hash);
    // Without fee allocations the hash is what it was before fees could be allocated.
    expect(loadAllocationRules(loaded.config.allocation, path)!.hash).toBe(allocationRulesOfConfig({ ...loaded.config, fixed_costs: [] }, path)!.hash);
  });
});
