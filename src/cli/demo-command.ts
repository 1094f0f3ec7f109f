import { rmSync } from 'node:fs';
import { ingestEnvironment } from './api-runtime.js';
import { resolve } from 'node:path';
import { EMULATOR_ADMIN_KEY, startEmulator } from '../emulator/index.js';
import { backfill } from '../jobs/backfill.js';
import { runValidation } from '../checks/index.js';
import { renderValidation } from '../checks/render.js';
import { parseStreams } from '../streams/index.js';
import { demoSummary, renderDemoSummary } from '../reports/summary.js';
import { addDays, monthStart } from '../util/dates.js';
import { syncFees } from './fee-sync.js';
import { reconcileMonth } from '../reports/reconcile.js';
import { renderReconciliation } from '../reports/reconcile-render.js';
import { parseInvoice } from '../reports/invoice.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildChargeback, renderChargebackCsv, renderChargebackSummary } from '../reports/allocation/chargeback.js';
import { writeDemoAllocation } from './demo-allocation.js';
import { preloadConfigSchema } from '../config/load.js';
import { DEMO_FIXED_COSTS, writeDemoInvoice } from './demo-invoice.js';
import { parseOrgSize } from './emulator-command.js';
import { EXIT } from './exit-codes.js';
import type { Program } from './program.js';
import { InputError } from '../util/errors.js';
import { CliRuntime, type GlobalOptions } from './runtime.js';

function parseOrgCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new InputError(`--orgs ${value} is not a number of organizations from 1 to 5`);
  return n;
}

export function registerDemoCommand(program: Program, rt: CliRuntime): void {
  program
    .command('demo')
    .description('Start the built-in emulator, backfill 90 days into a fresh ./demo.duckdb and print a summary.')
    .option('--days <n>', 'days to backfill', '90')
    .option('--org <size>', 'emulated organization size: small, medium or large', 'medium')
    .option('--orgs <n>', 'emulated organizations in the one warehouse (1-5), each with its own admin key and data', '1')
    .option('--out <file>', 'DuckDB file to create (replaced if it exists)', './demo.duckdb')
    .addHelpText('after', '\nExamples:\n  $ npm run demo\n  $ claude-ingest demo --orgs 2')
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      const path = resolve(o.out);
      let emu: Awaited<ReturnType<typeof startEmulator>> | undefined;
      try {
        const orgs = parseOrgCount(o.orgs);
        const size = parseOrgSize(o.org);
        // Several organizations: one admin key each, as a company with several Anthropic organizations has.
        const keys = orgs === 1 ? [EMULATOR_ADMIN_KEY] : Array.from({ length: orgs }, (_, i) => `${EMULATOR_ADMIN_KEY}-org${i + 1}`);
        emu = await startEmulator({ org: size, today: rt.today(), ...(orgs > 1 ? { organizations: keys.map((adminKey) => ({ adminKey, org: size })) } : {}) });
        // A demo always starts from scratch so its numbers match the emulator exactly.
        for (const f of [path, `${path}.wal`]) rmSync(f, { force: true });
        // The demo runs the real pipeline, pointed at the emulator instead of api.anthropic.com.
        const demoRt = new CliRuntime({ ...rt.io, env: { ...rt.io.env, ANTHROPIC_ADMIN_KEY: keys[0]!, ANTHROPIC_BASE_URL: emu.url } });
        demoRt.addSecrets(keys);
        const opts: GlobalOptions = { ...g, warehouse: `duckdb:${path}` };
        const wh = await demoRt.openWarehouse(opts);
        try {
          const today = rt.today();
          const range = { from: addDays(today, -(Number(o.days) - 1)), to: today };
          const share = Math.max(1, Math.floor(demoRt.concurrency(opts) / keys.length));
          const url = emu.url;
          const outcomes = await Promise.all(
            keys.map((apiKey) =>
              backfill(ingestEnvironment(demoRt, opts, wh, { apiKey, baseUrl: url }, { usageBucket: '1d' }, { share, sole: keys.length === 1 }), {
                range,
                streams: parseStreams(undefined),
                refresh: false,
              }),
            ),
          );
          demoRt.reporter(opts).done();
          // The writer's memory limit bounds streaming windows (16 MB each, instance.ts); what follows
          // reads and proves the whole range on the same open (a validate run by the CLI reads on a
          // read-only open with DuckDB's default), and on a loaded CI machine it met "failed to pin
          // block" at 64 MB.
          await wh.liftWriteMemoryBound?.();
          const out = rt.io.stdout;
          const sum = (k: 'ok' | 'rows' | 'requests') => outcomes.reduce((n, x) => n + x[k], 0);
          const from = orgs === 1 ? '' : ` of ${orgs} organizations`;
          out.write(`\nBackfilled ${sum('ok')} windows, ${sum('rows').toLocaleString('en-US')} rows, ${sum('requests')} requests${from} from the built-in emulator (${emu.url}).\n\n`);
          out.write(renderDemoSummary(await demoSummary(wh)) + '\n\n');
          for (const x of orgs === 1 ? [] : outcomes) {
            const org = x.organization;
            if (!org) continue;
            out.write(`== ${org.name ?? org.id} (${org.id}) ==\n${renderDemoSummary(await demoSummary(wh, [org.id]))}\n\n`);
          }
          out.write(`Data: ${path} (DuckDB). Try:\n  claude-ingest status --warehouse duckdb:${o.out}\n  duckdb ${o.out} "SELECT * FROM claude_costs LIMIT 10"\n`);
          if (orgs > 1) out.write(`  claude-ingest report --by organization --warehouse duckdb:${o.out}\n`);
          // Who pays: the example rules written beside the warehouse (docs/allocation.md); validate proves they add up.
          // The demo parses its own allocation config: the schema is loaded first (config/load.ts).
          if (orgs === 1) await preloadConfigSchema();
          const allocation = orgs === 1 ? writeDemoAllocation(path) : null;
          // A reconciled month: the last whole month in range, against an invoice written from the emulator's truth.
          const month = addDays(monthStart(today), -1).slice(0, 7);
          const reconciled = orgs === 1 && `${month}-01` >= range.from;
          // The fee is synced before validate, so its allocation check proves usage + fees add up.
          if (reconciled) await syncFees(wh, DEMO_FIXED_COSTS, allocation?.rules ?? null, today);
          const validation = await runValidation(wh, { range, today, ...(allocation ? { options: { allocation: allocation.rules } } : {}) });
          out.write(`\n${renderValidation(validation)}\n`);
          if (reconciled) {
            const file = writeDemoInvoice(emu, month, resolve(`${path.replace(/\.duckdb$/, '')}-invoice-${month}.csv`));
            const invoice = parseInvoice(readFileSync(file, 'utf8'), file);
            const rec = await reconcileMonth(wh, { month }, { invoiceId: invoice.invoiceId ?? month, lines: invoice.lines, totalOnly: false }, { kind: 'invoice' });
            out.write(`\n${renderReconciliation(rec)}\n(the demo configures one fee, ${DEMO_FIXED_COSTS[0]!.name}; the invoice ${file} is written from the emulator's own figures. Try: claude-ingest reconcile --month ${month} --invoice ${file} --warehouse duckdb:${o.out})\n`);
            if (!rec.within) rt.exitCode = EXIT.failed;
          }
          if (allocation) {
            // The last whole month in range, else the month so far.
            const cbMonth = `${month}-01` >= range.from ? month : today.slice(0, 7);
            const cb = await buildChargeback(wh, allocation.rules, cbMonth, 'team');
            const file = resolve(`${path.replace(/\.duckdb$/, '')}-chargeback-${cbMonth}.csv`);
            writeFileSync(file, renderChargebackCsv(await buildChargeback(wh, allocation.rules, cbMonth, undefined)));
            out.write(`\n${renderChargebackSummary(cb)}\n(rules: ${allocation.path}; detail lines by team and cost center: ${file}. Try: claude-ingest chargeback --month ${cbMonth} --config ${allocation.path} --out chargeback.xlsx --warehouse duckdb:${o.out})\n`);
          }
          out.write(`\nMore: claude-ingest report --by month|workspace|model|api_key|user --warehouse duckdb:${o.out}\n`);
          out.write(`Dashboard: claude-ingest dashboard --warehouse duckdb:${o.out}  (then open http://127.0.0.1:8321/)\n`);
          if (validation.status === 'FAIL') rt.exitCode = EXIT.failed;
          if (outcomes.some((x) => x.failed > 0 || x.fatal)) rt.exitCode = EXIT.failed;
        } finally {
          await wh.close();
        }
      } catch (err) {
        rt.fail(g, err);
      } finally {
        await emu?.close();
      }
    });
}
