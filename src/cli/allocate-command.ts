/** `claude-ingest allocate [--from DAY] [--to DAY] [--rebuild]`: the allocation the FOCUS view's Tags carry (docs/allocation.md). */
import { materialiseAllocation, type MaterialiseResult } from '../reports/allocation/materialise.js';
import type { AllocationRules } from '../reports/allocation/rules.js';
import { parseDay } from '../util/dates.js';
import { InputError } from '../util/errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { allocationRulesOf } from './allocation-rules.js';
import type { Program } from './program.js';
import { toolVersion, type CliRuntime } from './runtime.js';
import { configOption } from './shared-options.js';

export function allocationLine(r: MaterialiseResult, rules: AllocationRules | null, where: string): string {
  if (rules === null) return r.rebuilt > 0 ? `allocation: no allocation rules configured; removed the allocation of ${r.rebuilt} organization-month(s) from ${where}` : 'allocation: no allocation rules configured; nothing to do';
  return `allocation (rules ${rules.hash}): ${r.rebuilt} organization-month(s) allocated (${r.rows.toLocaleString('en-US')} rows), ${r.current} already up to date, in ${where}`;
}

/** After run and backfill: keep the FOCUS view's allocation current when rules are configured (or were). */
export async function allocateAfterIngest(wh: Warehouse, rules: AllocationRules | null, command: string): Promise<MaterialiseResult> {
  return materialiseAllocation(wh, rules, { toolVersion: toolVersion(), command });
}

export function registerAllocateCommand(program: Program, rt: CliRuntime): void {
  program
    .command('allocate')
    .description('Write who pays each FOCUS usage row (claude_cost_allocation) from the allocation rules, so claude_focus_costs carries the dimensions in Tags, and the allocation report --by, chargeback and the dashboard read (claude_cost_allocation_lines); only months whose rules, names or data changed are rebuilt.')
    .option('--from <day>', 'first UTC day, YYYY-MM-DD (default: the first day the warehouse holds)')
    .option('--to <day>', 'last UTC day, YYYY-MM-DD (default: the last day the warehouse holds)')
    .option('--rebuild', 'rebuild every month of the range even when nothing changed')
    .addOption(configOption('allocation:'))
    .addHelpText(
      'after',
      `
run and backfill do this at their end when allocation: is configured. Without allocation: in the
config, allocate removes the allocation of the range, and the FOCUS view shows the rows as ingested.

Examples:
  $ claude-ingest allocate --config claude-ingest.yaml
  $ claude-ingest allocate --from 2026-10-01 --to 2026-10-31 --rebuild`,
    )
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        const from = o.from === undefined ? undefined : parseDay(o.from, '--from');
        const to = o.to === undefined ? undefined : parseDay(o.to, '--to');
        if (from && to && from > to) throw new InputError(`the range ${from}..${to} is reversed: --from must not be after --to`);
        const rules = allocationRulesOf(rt, o.config);
        const wh = await rt.openWarehouse(g);
        try {
          const r = await materialiseAllocation(wh, rules, { ...(from ? { from } : {}), ...(to ? { to } : {}), rebuild: Boolean(o.rebuild), toolVersion: toolVersion() });
          rt.reporter(g).info(allocationLine(r, rules, wh.location), { rebuilt: r.rebuilt, current: r.current, rows: r.rows, rules_hash: rules?.hash ?? null });
        } finally {
          await wh.close();
        }
      } catch (err) {
        rt.fail(g, err);
      }
    });
}
