/**
 * Live check against a real BigQuery project: writes one window through the warehouse, reads it
 * back, re-runs it (no duplicates), then, when the CLI is built, runs a backfill day from the
 * in-process Admin API emulator. Skipped, with the reason printed, unless GOOGLE_CLOUD_PROJECT and
 * Application Default Credentials are available. Uses a throwaway dataset that it deletes.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, describe, expect, it } from 'vitest';
import { openBigQueryWarehouse } from '../../../src/warehouse/bigquery/bigquery-warehouse.js';
import type { IsoDay } from '../../../src/util/dates.js';
import type { Cents, Usd } from '../../../src/util/money.js';
import type { RowOf } from '../../../src/warehouse/tables.js';

const project = process.env.GOOGLE_CLOUD_PROJECT ?? '';
const hasCredentials = Boolean(process.env.GOOGLE_APPLICATION_CREDENTIALS) || existsSync(`${process.env.HOME ?? ''}/.config/gcloud/application_default_credentials.json`) || Boolean(process.env.K_SERVICE || process.env.CLOUD_RUN_JOB);
const skipReason = !project
  ? 'GOOGLE_CLOUD_PROJECT is not set'
  : !hasCredentials
    ? 'no Application Default Credentials (run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS)'
    : '';
if (skipReason) console.log(`[test:bigquery] SKIPPED: ${skipReason}. See docs/deployment.md, "Testing against real BigQuery".`);

const dataset = process.env.CLAUDE_INGEST_TEST_DATASET ?? `claude_ingest_test_${Date.now()}`;
const location = process.env.CLAUDE_INGEST_TEST_LOCATION ?? 'US';
const url = `bigquery://${project}/${dataset}?location=${location}`;
const root = fileURLToPath(new URL('../../..', import.meta.url));

describe.skipIf(Boolean(skipReason))('BigQuery warehouse against a real project', () => {
  afterAll(async () => {
    if (process.env.CLAUDE_INGEST_TEST_DATASET) return; // a dataset you named is yours to keep
    await new BigQuery({ projectId: project }).dataset(dataset).delete({ force: true });
  });

  it('writes, reads back exactly and replaces a window idempotently', async () => {
    const wh = await openBigQueryWarehouse({ kind: 'bigquery', project, dataset, location });
    await wh.init();
    await wh.init();
    const row = (day: IsoDay, cents: string, usd: string): RowOf<'claude_costs'> => ({
      activity_date: day, workspace_id: null, description: 'live test', cost_type: 'tokens', model: 'm', service_tier: 'standard',
      token_type: 'output_tokens', context_window: '0-200k', inference_geo: 'global', currency: 'USD', amount_cents: cents as Cents, amount_usd: usd as Usd,
      extra: null,
    });
    const write = () =>
      wh.replaceWindow(
        {
          organizationId: 'org_test',
          tables: ['claude_costs'],
          days: { from: '2025-01-01', to: '2025-01-02' },
          ledger: { runId: 'live-run', stream: 'cost', windowStart: '2025-01-01', windowEnd: '2025-01-02', status: 'running', complete: true, rows: 2, requests: 1, retries: 0, rateLimited: 0, centsTotal: '123.456789013', error: null, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() },
        },
        async (sink) => sink.append('claude_costs', [row('2025-01-01', '123.456789012', '1.23456789012'), row('2025-01-02', '0.000000001', '0.00000000001')]),
      );
    expect(await write()).toBe(2);
    expect(await write()).toBe(2);
    const t = wh.dialect.table('claude_costs');
    const sums = await wh.query(
      `SELECT ${wh.dialect.toText(wh.dialect.sumExact('amount_cents'))} AS cents, ${wh.dialect.sumExact('amount_usd')} AS usd, COUNT(*) AS n FROM ${t} WHERE activity_date BETWEEN ${wh.dialect.dateParam()} AND ${wh.dialect.dateParam()}`,
      ['2025-01-01', '2025-01-02'],
    );
    expect(sums).toEqual([{ cents: '123.456789013', usd: '1.23456789013', n: 2 }]);
    const windows = await wh.listWindows({ stream: 'cost' });
    expect(windows[0]).toMatchObject({ runId: 'live-run', status: 'ok', centsTotal: '123.456789013' });
    await wh.close();
  });

  it.skipIf(!existsSync(`${root}/dist/src/cli/main.js`))('runs a one-day backfill through the CLI from the emulator', async () => {
    const { startEmulator, EMULATOR_ADMIN_KEY } = await import('../../../src/emulator/index.js');
    const emu = await startEmulator({});
    try {
      const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
      // Asynchronous: a synchronous spawn would block the emulator, which serves from this process.
      const child = spawn(process.execPath, [`${root}/bin/claude-ingest.js`, 'backfill', '--from', day, '--to', day, '--warehouse', url], {
        env: { ...process.env, ANTHROPIC_BASE_URL: emu.url, ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(0);
      const wh = await openBigQueryWarehouse({ kind: 'bigquery', project, dataset, location }, { readOnly: true });
      await wh.init();
      const n = await wh.query(`SELECT COUNT(*) AS n FROM ${wh.dialect.table('claude_costs')} WHERE activity_date = ${wh.dialect.dateParam()}`, [day]);
      expect(Number(n[0]?.n)).toBeGreaterThan(0);
    } finally {
      await emu.close();
    }
  });
});

