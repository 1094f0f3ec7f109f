/** An analytics chain that sends a row twice fails its window before commit (checked against the ungrouped total). */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { errorLines, runCli, tempDir } from '../helpers/cli.js';
import { startHostileApi, type HostileApi } from '../helpers/hostile-api.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { envFor, FROM, TODAY } from './helpers.js';

let emu: Emulator | undefined;
let api: HostileApi | undefined;

afterEach(async () => {
  await api?.close();
  await emu?.close();
  api = emu = undefined;
});

it.each([
  ['api_key_id', 'grouped by key'],
  ['actor', 'grouped by actor'],
])('a row of the analytics/cost chain grouped by %s sent twice fails the window, nothing written, exit 1', async (dimension, label) => {
  emu = await startEmulator({ seed: 13, today: TODAY, org: 'small', historyDays: 60 });
  api = await startHostileApi(emu.url, (r) =>
    r.path.endsWith('/analytics/cost') && r.query.getAll('group_by[]').includes(dimension)
      ? { rewrite: (b) => ({ ...(b as { data: unknown[] }), data: [...(b as { data: unknown[] }).data, (b as { data: unknown[] }).data[0]] }) }
      : undefined,
  );
  const file = join(tempDir(), 'w.duckdb');
  const res = await runCli(['backfill', '--from', FROM, '--streams', 'analytics_cost', '--warehouse', `duckdb:${file}`], envFor(api));
  expect(res.code, res.stderr).toBe(1);
  const errors = errorLines(res.stderr);
  expect(errors[0]!).toMatch(
    new RegExp(
      `^analytics_cost 2026-04-20\\.\\.2026-0[45]-\\d\\d failed: analytics/cost ${label} adds up to \\d+(\\.\\d+)? cents of amount on 2026-04-20, but the ungrouped total the API sent is \\d+(\\.\\d+)?: a row came twice or went missing while paging, so nothing of this window was written; run claude-ingest retry$`,
    ),
  );
  for (const table of ['claude_cost_by_key', 'claude_cost_by_actor', 'claude_analytics_daily_totals']) {
    const [n] = await queryWarehouse(file, `SELECT COUNT(*) AS n FROM ${table}`);
    expect(Number(n!.n), table).toBe(0);
  }
});
