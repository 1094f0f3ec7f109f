/**
 * The demo's example allocation rules (issue 25): a config file and a CSV of workspace owners,
 * written beside demo.duckdb so `npm run demo` shows a chargeback and the user can edit and rerun
 * them (`report --by team --config demo-allocation.yaml`). The names are the emulator's: production
 * and staging keys, Claude Code, and its first workspaces.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { allocationRulesOfConfig } from '../config/allocation-rules.js';
import { parseConfigText } from '../config/load.js';
import type { AllocationRules } from '../reports/allocation/rules.js';

export const DEMO_ALLOCATION_YAML = `# Example allocation rules for the demo warehouse (docs/allocation.md).
# Try: claude-ingest report --by team --config demo-allocation.yaml --warehouse duckdb:demo.duckdb
allocation:
  dimensions: [team, cost_center]
  rules:                                  # the first rule that matches a cost row wins
    - name: Claude Code
      match: { product: claude_code }
      set: { team: Engineering, cost_center: CC-300 }
    - name: claude.ai apps                # chat, Cowork, Console, Claude in Chrome …
      match: { product: "c*" }
      set: { team: Business, cost_center: CC-500 }
    - name: production keys
      match: { api_key: "prod-*" }
      set: { team: Platform, cost_center: CC-100 }
    - name: shared staging keys           # shared in proportion to what the other rules gave each team that day
      match: { api_key: "staging-*" }
      split: { by: team, proportional_to: billed }
      set: { cost_center: CC-900 }
  files:
    - path: demo-teams.csv                # workspace owners, e.g. exported from an identity provider
  unallocated: { team: Unallocated, cost_center: "-" }
# The demo's configured fee (docs/reconcile.md), allocated to the team that uses the seats (docs/allocation.md "Fixed fees").
fixed_costs:
  - { name: Team plan seats, kind: seats, monthly_usd: 30, quantity: 25, allocate: { team: Engineering, cost_center: CC-300 } }
`;

export const DEMO_TEAMS_CSV = `kind,match,team,cost_center,from,to
workspace,Research,Research,CC-200,,
`;

/** Writes the two files beside the demo warehouse and returns the rules they hold, with the config's path. */
export function writeDemoAllocation(warehousePath: string): { path: string; rules: AllocationRules } {
  const dir = dirname(warehousePath);
  const path = join(dir, 'demo-allocation.yaml');
  writeFileSync(path, DEMO_ALLOCATION_YAML);
  writeFileSync(join(dir, 'demo-teams.csv'), DEMO_TEAMS_CSV);
  const rules = allocationRulesOfConfig(parseConfigText(DEMO_ALLOCATION_YAML, path, {}).config, path);
  return { path, rules: rules! };
}
