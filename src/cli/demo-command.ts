import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { EMULATOR_ADMIN_KEY, startEmulator } from '../emulator/index.js';
import { backfill } from '../jobs/backfill.js';
import { runValidation } from '../checks/index.js';
import { renderValidation } from '../checks/render.js';
import { parseStreams } from '../streams/index.js';
import { demoSummary, renderDemoSummary } from '../reports/summary.js';
import { addDays } from '../util/dates.js';
import { parseOrgSize } from './emulator-command.js';
import { EXIT } from './exit-codes.js';
import type { Program } from './program.js';
import { CliRuntime, type GlobalOptions } from './runtime.js';

export function registerDemoCommand(program: Program, rt: CliRuntime): void {
  program
    .command('demo')
    .description('Start the built-in emulator, backfill 90 days into a fresh ./demo.duckdb and print a summary.')
    .option('--days <n>', 'days to backfill', '90')
    .option('--org <size>', 'emulated organization size: small, medium or large', 'medium')
    .option('--out <file>', 'DuckDB file to create (replaced if it exists)', './demo.duckdb')
    .addHelpText('after', '\nExample:\n  $ npm run demo')
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      const path = resolve(o.out);
      const emu = await startEmulator({ org: parseOrgSize(o.org), today: rt.today() });
      try {
        // A demo always starts from scratch so its numbers match the emulator exactly.
        for (const f of [path, `${path}.wal`]) rmSync(f, { force: true });
        // The demo runs the real pipeline, pointed at the emulator instead of api.anthropic.com.
        const demoRt = new CliRuntime({ ...rt.io, env: { ...rt.io.env, ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emu.url } });
        const opts: GlobalOptions = { ...g, warehouse: `duckdb:${path}` };
        const wh = await demoRt.openWarehouse(opts);
        try {
          const today = rt.today();
          const env = demoRt.ingestEnvironment(opts, wh, { apiKey: EMULATOR_ADMIN_KEY, baseUrl: emu.url }, { usageBucket: '1d' });
          const outcome = await backfill(env, { range: { from: addDays(today, -(Number(o.days) - 1)), to: today }, streams: parseStreams(undefined), refresh: false });
          demoRt.reporter(opts).done();
          const out = rt.io.stdout;
          out.write(`\nBackfilled ${outcome.ok} windows, ${outcome.rows.toLocaleString('en-US')} rows, ${outcome.requests} requests from the built-in emulator (${emu.url}).\n\n`);
          out.write(renderDemoSummary(await demoSummary(wh)) + '\n\n');
          out.write(`Data: ${path} (DuckDB). Try:\n  claude-ingest status --warehouse duckdb:${o.out}\n  duckdb ${o.out} "SELECT * FROM claude_costs LIMIT 10"\n`);
          const validation = await runValidation(wh, { range: { from: addDays(today, -(Number(o.days) - 1)), to: today }, today });
          out.write(`\n${renderValidation(validation)}\n\nMore: claude-ingest report --by month|workspace|model|api_key|user --warehouse duckdb:${o.out}\n`);
          out.write(`Dashboard: claude-ingest dashboard --warehouse duckdb:${o.out}  (then open http://127.0.0.1:8321/)\n`);
          if (validation.status === 'FAIL') rt.exitCode = EXIT.failed;
          if (outcome.failed > 0) rt.exitCode = EXIT.failed;
        } finally {
          await wh.close();
        }
      } catch (err) {
        rt.fail(g, err);
      } finally {
        await emu.close();
      }
    });
}
