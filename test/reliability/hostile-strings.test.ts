/** API strings over 64 KB fail the window naming the field, before they are held whole; nothing is written. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { DataArrayScanner, MAX_API_STRING_BYTES, OversizeStringError } from '../../src/source/data-array-scanner.js';
import { errorLines, runCli, tempDir } from '../helpers/cli.js';
import { startHostileApi, type HostileAction, type HostileApi, type HostileRequest } from '../helpers/hostile-api.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { envFor, FROM } from './helpers.js';

let emu: Emulator | undefined;
let api: HostileApi | undefined;
afterEach(async () => {
  await api?.close();
  await emu?.close();
  api = emu = undefined;
});

async function backfill(streams: string, act: (r: HostileRequest) => HostileAction) {
  emu = await startEmulator({ seed: 6, today: '2026-05-10', org: 'small', historyDays: 60 });
  api = await startHostileApi(emu.url, act);
  const file = join(tempDir(), 'w.duckdb');
  const res = await runCli(['backfill', '--from', FROM, '--streams', streams, '--warehouse', `duckdb:${file}`], envFor(api));
  const errors = errorLines(res.stderr);
  return { res, errors, file };
}

describe('oversize strings', () => {
  it('a 50 MB description in a streamed cost page fails the window naming the field, exit 1, nothing written', async () => {
    const huge = 'x'.repeat(50 * 1024 * 1024);
    const { res, errors, file } = await backfill('cost', (r) =>
      r.path.endsWith('/cost_report')
        ? {
            answer: {
              status: 200,
              body: `{"data":[{"starting_at":"2026-04-20T00:00:00Z","ending_at":"2026-04-21T00:00:00Z","results":[{"amount":"1","currency":"USD","description":"${huge}"}]}],"has_more":false,"next_page":null}`,
            },
          }
        : undefined,
    );
    expect(res.code, res.stderr).toBe(1);
    expect(errors[0]).toMatch(
      /^cost 2026-04-20\.\.2026-05-10 failed: The Admin API answered \/v1\/organizations\/cost_report with an unexpected response body \(at data\[0\]\.…\.description: a string of at least [\d,]+ bytes, more than the 65,536 a field may hold\) \[request-id req_hostile_\d+\]; nothing was recorded for this window/,
    );
    const [n] = await queryWarehouse(file, 'SELECT COUNT(*) AS n FROM claude_costs');
    expect(Number(n!.n)).toBe(0);
  });

  it('a 100 KB workspace name in a list fails the window naming data[i].name', async () => {
    const { res, errors } = await backfill('org', (r) =>
      r.path.endsWith('/workspaces') ? { rewrite: (b) => ({ ...(b as object), data: (b as { data: { name: string }[] }).data.map((w, i) => (i === 1 ? { ...w, name: 'n'.repeat(100_000) } : w)) }) } : undefined,
    );
    expect(res.code, res.stderr).toBe(1);
    expect(errors[0]).toMatch(/failed: The Admin API answered \/v1\/organizations\/workspaces with an unexpected response body \(at data\[1\]\.name: a string of 100,000 bytes, more than the 65,536 a field may hold\)/);
  });

  it('the scanner passes a string of exactly 64 KB and refuses one byte more', () => {
    const body = (n: number) => Buffer.from(`{"data":[{"description":"${'y'.repeat(n)}"}],"has_more":false}`);
    expect(new DataArrayScanner().push(body(MAX_API_STRING_BYTES))).toHaveLength(1);
    expect(() => new DataArrayScanner().push(body(MAX_API_STRING_BYTES + 1))).toThrow(OversizeStringError);
  });
});
