import { runValidation } from '../checks/index.js';
import { printableLines } from '../util/terminal-text.js';
import { readProofBook, storeProofBook, type ProofBook } from '../checks/proofs.js';
import { WarehouseLockedError } from '../warehouse/warehouse.js';
import { selectWarehouseOrganizations, warehouseOrganizations } from '../reports/organizations.js';
import { renderValidation } from '../checks/render.js';
import { EXIT } from './exit-codes.js';
import { resolveCliRange } from './cli-range.js';
import type { Program } from './program.js';
import { InputError } from '../util/errors.js';
import { type CliRuntime } from './runtime.js';
import { configOption, fromDayOption, toDayOption, warehouseOrgOption } from './shared-options.js';
import { allocationRulesOf } from './allocation-rules.js';
import { resolveCalendar, tzOption } from './calendar-option.js';
import { isUtc, utcDaysOf } from '../util/calendar.js';
import { both } from '../util/concurrent.js';

/** A non-negative decimal amount of dollars, kept as text so it stays exact. */
export function parseUsd(value: string, flag: string): string {
  const text = value.trim().replace(/^\$/, '');
  if (!/^\d+(\.\d+)?$/.test(text)) throw new InputError(`${flag} ${value} is not an amount of dollars: use e.g. 1234.56`);
  return text;
}

export function registerValidateCommand(program: Program, rt: CliRuntime): void {
  program
    .command('validate')
    .description('Check the numbers: completeness against API totals, the cents bug, duplicates, gaps, failed windows, double counting, freshness.')
    .addOption(fromDayOption())
    .addOption(toDayOption())
    .option('--expect-total-usd <usd>', 'the Console\'s total for the range: FAIL when the warehouse differs by more than --tolerance-usd')
    .option('--tolerance-usd <usd>', 'allowed difference for --expect-total-usd', '0.01')
    .option('--large-line-usd <usd>', 'WARN about a single cost line above this many dollars (default: a line over 3× the largest of its trailing 90 days)')
    .addOption(warehouseOrgOption('each organization separately'))
    .addOption(configOption('allocation: adds the allocation check; timezone:'))
    .option('--full', 'prove every day again, not only the days whose rows changed since the last validate')
    .addOption(tzOption())
    .addHelpText(
      'after',
      `
The checks compare rows with the API's own totals, which are per UTC day: with a time zone (--tz or
timezone:), --from/--to are local days and every UTC day holding a moment of them is checked.

Exit code 1 when any check FAILs, 0 otherwise (WARNs included). With several organizations in the
warehouse every check runs once per organization, on its rows and ledger alone, and names it.
What each day proved is kept in the warehouse (validation_proofs) under a fingerprint of that day's
rows: the next validate proves again only the days whose rows changed, however they changed.
See docs/reports.md.

Examples:
  $ claude-ingest validate
  $ claude-ingest validate --from 2025-06-01 --to 2025-06-30 --expect-total-usd 1234.56 --org Production
  $ claude-ingest validate --json | jq '.results[] | select(.status != "PASS")'`,
    )
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        const allocation = allocationRulesOf(rt, o.config);
        const options = {
          ...(allocation ? { allocation } : {}),
          toleranceUsd: parseUsd(o.toleranceUsd, '--tolerance-usd'),
          ...(o.largeLineUsd !== undefined ? { largeLineUsd: parseUsd(o.largeLineUsd, '--large-line-usd') } : {}),
          ...(o.expectTotalUsd !== undefined ? { expectTotalUsd: parseUsd(o.expectTotalUsd, '--expect-total-usd') } : {}),
        };
        const cal = resolveCalendar(rt.io.env, o);
        const wh = await rt.openWarehouse(g, true);
        let proofs: ProofBook;
        try {
          // The range and the kept proofs are read at once (two small reads; the first read of a file pays for opening it).
          const [asked, book] = await both(resolveCliRange(wh, o), readProofBook(wh, o.full === true));
          const range = isUtc(cal) || (o.from === undefined && o.to === undefined) ? asked : utcDaysOf(cal, asked.from, asked.to);
          if (range !== asked) rt.reporter(g).info(`validate: local days ${asked.from}..${asked.to} in ${cal.timeZone} are the UTC days ${range.from}..${range.to}; the checks judge those`);
          const organizations = o.org === undefined ? undefined : await selectWarehouseOrganizations(wh, o.org);
          if (options.expectTotalUsd !== undefined && !organizations && (await warehouseOrganizations(wh)).length > 1) {
            throw new InputError('--expect-total-usd is one organization\'s Console total and this warehouse holds several: add --org NAME|ID');
          }
          proofs = book;
          const report = await runValidation(wh, { range, today: rt.today(), options, proofs, ...(organizations ? { organizations } : {}) });
          rt.reporter(g).print(g.json ? JSON.stringify(report, null, 2) : printableLines(renderValidation(report)));
          if (report.status === 'FAIL') rt.exitCode = EXIT.failed;
        } finally {
          await wh.close();
        }
        await keepProofs(rt, g, proofs);
      } catch (err) {
        rt.fail(g, err);
      }
    });
}

/**
 * Stores what this validate proved, so the next one reuses it. The checks ran on a read-only open
 * (several readers may share the file); the proofs are written after, in a short write of their own.
 * A writer busy with the file (an ingest) wins: the proofs are not kept this time, the next validate
 * proves those days again, and nothing is reported wrong.
 */
async function keepProofs(rt: CliRuntime, g: Parameters<CliRuntime['openWarehouse']>[0], proofs: ProofBook): Promise<void> {
  if (proofs.changed().length === 0) return;
  let wh;
  try {
    wh = await rt.openWarehouse({ ...g, lockWait: undefined }, false);
  } catch (err) {
    if (err instanceof WarehouseLockedError) return;
    throw err;
  }
  try {
    await storeProofBook(wh, proofs);
  } finally {
    await wh.close();
  }
}
