/**
 * A one-year local-day report (issue 27, docs/time-zones.md) against the UTC report of the same
 * year, on the same warehouse, in the same run: the ratio is what this measures, not seconds.
 * The warehouse holds one year of hourly billed cost (product × workspace × model, as the
 * analytics_cost_hourly stream writes it) and of daily cost_report rows, written directly (this
 * measures reading, not ingest), with the hourly stream's windows recorded ok in the ledger.
 *
 *   npm run build && node dist/bench/local-days.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { addDays, type IsoDay } from '../src/util/dates.js';
import { openWarehouse } from '../src/warehouse/open-warehouse.js';
import { runMeasured } from './child.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(resolve(HERE, '../..'), 'bin/claude-ingest.js');
const FROM: IsoDay = '2026-01-01';
const TO: IsoDay = '2026-12-31';
/** Groups per hour and per day: 4 products × 10 workspaces × 6 models would be sparse; 60 is a large organization's busy hour. */
const GROUPS = 60;

async function fill(file: string): Promise<void> {
  const wh = await openWarehouse(`duckdb:${file}`);
  await wh.init();
  for (let d = FROM; d <= TO; d = addDays(d, 7)) {
    const end = addDays(d, 6) > TO ? TO : addDays(d, 6);
    await wh.recordWindow({ runId: 'bench', stream: 'analytics_cost_hourly', windowStart: d, windowEnd: end, status: 'ok', complete: true, rows: 0, requests: 0, retries: 0, rateLimited: 0, centsTotal: null, error: null, startedAt: '2027-01-02T00:00:00Z', finishedAt: '2027-01-02T00:00:01Z' });
  }
  await wh.close();
  const db = await DuckDBInstance.create(file);
  const conn = await db.connect();
  const groups = `range(${GROUPS}) g(i)`;
  const cents = `CAST((i * 7 + hour(h) * 13) % 997 AS DECIMAL(38, 12)) / 7`;
  await conn.run(`INSERT INTO claude_cost_hourly BY NAME
    SELECT CAST(h AS DATE) AS activity_date, h AS bucket_start, 'messages_api' AS product, 'wrkspc_' || (i % 10) AS workspace_id, 'model-' || (i % 6) AS model, 'USD' AS currency,
           ${cents} AS amount_cents, ${cents} / 100 AS amount_usd, ${cents} AS list_amount_cents, ${cents} / 100 AS list_amount_usd,
           0 AS ordinal, 'bench' AS run_id, TIMESTAMP '2027-01-02 00:00:00' AS ingested_at, 'org_bench' AS organization_id
      FROM range(TIMESTAMP '${FROM} 00:00:00', TIMESTAMP '${addDays(TO, 1)} 00:00:00', INTERVAL 1 HOUR) t(h), ${groups}`);
  await conn.run(`INSERT INTO claude_costs BY NAME
    SELECT CAST(d AS DATE) AS activity_date, 'wrkspc_' || (i % 10) AS workspace_id, 'model-' || (i % 6) AS model, 'USD' AS currency,
           CAST(i * 31 % 997 AS DECIMAL(38, 12)) / 7 AS amount_cents, CAST(i * 31 % 997 AS DECIMAL(38, 12)) / 700 AS amount_usd,
           'bench ' || i AS description, 'tokens' AS cost_type, 'bench' AS run_id, TIMESTAMP '2027-01-02 00:00:00' AS ingested_at, 'org_bench' AS organization_id
      FROM range(DATE '${FROM}', DATE '${addDays(TO, 1)}', INTERVAL 1 DAY) t(d), ${groups}`);
  conn.closeSync();
  db.closeSync();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ci-bench-tz-'));
  try {
    const file = join(dir, 'w.duckdb');
    await fill(file);
    const env = { CLAUDE_INGEST_TODAY: '2027-01-02' };
    const report = (extra: string[]) => runMeasured([BIN, 'report', '--by', 'day', '--from', FROM, '--to', TO, '--format', 'json', '--warehouse', `duckdb:${file}`, ...extra], env, dir);
    const best = async (extra: string[]) => {
      let ms = Infinity;
      for (let i = 0; i < 3; i++) {
        const r = await report(extra);
        if (r.code !== 0) throw new Error(`report ${extra.join(' ')} failed: ${r.stderr.slice(-500)}`);
        ms = Math.min(ms, r.wallMs);
      }
      return ms;
    };
    const utc = await best([]);
    const local = await best(['--tz', 'America/New_York']);
    process.stdout.write(`one-year report --by day, ${GROUPS} groups an hour: UTC ${(utc / 1000).toFixed(2)} s, America/New_York ${(local / 1000).toFixed(2)} s (process start included), local/UTC ${(local / utc).toFixed(2)}×\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
