/** `claude-ingest chargeback --month YYYY-MM [--by DIM] --out FILE [--format csv|json|xlsx]`: who pays, for a controller to sign. */
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { buildChargeback, chargebackJson, renderChargebackCsv, type Chargeback } from '../reports/allocation/chargeback.js';
import { sharePct, usdOf } from '../reports/allocation/summary.js';
import { slowAllocationNote } from '../reports/allocation/materialised-lines.js';
import { organizationIdsOf, selectWarehouseOrganizations } from '../reports/organizations.js';
import { InputError } from '../util/errors.js';
import { formatUsd } from '../util/money.js';
import { requireAllocationRules } from './allocation-rules.js';
import type { Program } from './program.js';
import type { CliRuntime } from './runtime.js';
import { configOption, warehouseOrgOption } from './shared-options.js';
import { resolveCalendar, tzOption } from './calendar-option.js';
import { isUtc } from '../util/calendar.js';

const FORMATS = ['csv', 'json', 'xlsx'] as const;
type Format = (typeof FORMATS)[number];

export function registerChargebackCommand(program: Program, rt: CliRuntime): void {
  program
    .command('chargeback')
    .description('A month\'s billed cost allocated to teams, cost centers, … by the allocation rules: detail lines that add up exactly, for finance.')
    .requiredOption('--month <YYYY-MM>', 'the calendar month (UTC)')
    .option('--by <dimension>', 'one allocation dimension (default: every dimension, one column each)')
    .requiredOption('--out <file>', 'where to write it')
    .option('--format <format>', 'csv, json or xlsx (default: from the --out extension, else csv)')
    .addOption(configOption('allocation:, timezone:'))
    .addOption(tzOption())
    .addOption(warehouseOrgOption('every organization, summed'))
    .option('--raw-csv', "csv: keep text that starts like a spreadsheet formula (= + - @) as it is; by default it gets a leading ' (CSV injection)")
    .addHelpText(
      'after',
      `
The detail lines (one per dimension value × API key × person × product × model) add up exactly to
each value's total and to the month's billed total, the unallocated value included. CSV has no
subtotal rows; its # header names the rules' hash and the data's last refresh. JSON and xlsx add the
totals. Days the Analytics API serves are allocated by key, person and product; days only cost_report
serves, by workspace, model and cost type (docs/allocation.md). The month is the invoice's, on UTC
days: the Analytics API gives key and person only per UTC day, so a configured time zone (--tz,
timezone:) does not move it; a note says so (docs/time-zones.md).

Examples:
  $ claude-ingest chargeback --month 2026-10 --out chargeback-2026-10.csv
  $ claude-ingest chargeback --month 2026-10 --by cost_center --out cc.xlsx
  $ claude-ingest chargeback --month 2026-10 --by team --format json --out team.json`,
    )
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        const fromExt = extname(o.out).slice(1).toLowerCase();
        const format = (o.format ?? ((FORMATS as readonly string[]).includes(fromExt) ? fromExt : 'csv')) as Format;
        if (!FORMATS.includes(format)) throw new InputError(`--format ${o.format} is not one of ${FORMATS.join(', ')}`);
        const rules = requireAllocationRules(rt, o.config, 'chargeback');
        const cal = resolveCalendar(rt.io.env, o);
        if (!isUtc(cal)) rt.reporter(g).info(`chargeback: the month ${o.month} is allocated on the API's UTC days (key and person costs come per UTC day, as the invoice bills them); the time zone ${cal.timeZone} does not apply to it`);
        const wh = await rt.openWarehouse(g, true);
        try {
          const chosen = o.org === undefined ? undefined : await selectWarehouseOrganizations(wh, o.org);
          const ids = organizationIdsOf(chosen);
          const c = await buildChargeback(wh, rules, o.month, o.by, ids && ids.length > 0 ? { organizationIds: ids } : {}, (why) => rt.reporter(g).info(slowAllocationNote(why)));
          const body = format === 'xlsx' ? await renderXlsx(c) : format === 'json' ? `${JSON.stringify(chargebackJson(c), null, 2)}\n` : renderChargebackCsv(c, { raw: Boolean(o.rawCsv) });
          writeFileSync(o.out, body);
          const top = c.totals.slice(0, 5).map((t) => `${t.values.join(' / ')} ${formatUsd(usdOf(t.billed))} (${sharePct(t.billed, c.total.billed).toFixed(1)} %)`);
          rt.reporter(g).print(
            `Chargeback ${c.month} by ${c.dimensions.join(', ')}: ${formatUsd(usdOf(c.total.billed))} billed in ${c.lines.length} lines, ${c.totals.length} values (rules ${c.rulesHash}) → ${o.out}\n  ${top.join('\n  ')}${c.totals.length > 5 ? '\n  …' : ''}${c.total.fees === 0n ? '' : `\nThe totals include fixed fees (configured, not API data): ${formatUsd(usdOf(c.total.fees))} beside API usage ${formatUsd(usdOf(c.total.billed - c.total.fees))}.`}`,
          );
        } finally {
          await wh.close();
        }
      } catch (err) {
        rt.fail(g, err);
      }
    });
}

/** exceljs is loaded only for an xlsx chargeback: its modules take about 0.3 s, which every other command would pay at start. */
async function renderXlsx(c: Chargeback): Promise<Buffer> {
  const { renderChargebackXlsx } = await import('../reports/allocation/chargeback-xlsx.js');
  return renderChargebackXlsx(c);
}
