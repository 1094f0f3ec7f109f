/**
 * A warehouse holding two organizations (one emulator serving each admin key its own organization),
 * filled through the real CLI from a claude-ingest.yaml that also declares budgets; `alerts` has run
 * once against a loopback webhook, so alert_events holds rows. Shared by the API and browser tests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { loadConfig } from '../../src/config/load.js';
import type { AlertsConfig } from '../../src/config/schema.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startHttpReceiver, type HttpReceiver } from '../alerts/receivers.js';

export const ORG_TODAY = '2026-03-15';
export const ORG_FROM = '2026-02-01';
export const KEY_A = 'sk-ant-admin01-production-key-aaaaaaaa';
export const KEY_B = 'sk-ant-admin01-research-key-bbbbbbbbbb';

export interface TwoOrgs {
  emu: Emulator;
  dir: string;
  file: string;
  url: string;
  config: string;
  env: Record<string, string>;
  alerts: AlertsConfig;
  /** Monthly budget of "Organization": month-to-date of both organizations at ORG_TODAY ÷ 0.6, so 50 % is crossed. */
  budgetUsd: string;
  /** The workspace (of organization A) the "Team" budget is scoped to. */
  workspace: { id: string; name: string };
  hook: HttpReceiver;
  close(): Promise<void>;
}

export async function twoOrganizations(): Promise<TwoOrgs> {
  const emu = await startEmulator({
    today: ORG_TODAY,
    historyDays: 60,
    organizations: [
      { adminKey: KEY_A, seed: 7, org: 'small' },
      { adminKey: KEY_B, seed: 8, org: 'small' },
    ],
  });
  const hook = await startHttpReceiver();
  const dir = tempDir('ci-dash-orgs-');
  const file = join(dir, 'orgs.duckdb');
  const url = `duckdb:${file}`;
  const config = join(dir, 'claude-ingest.yaml');
  const mtd = [KEY_A, KEY_B].reduce((a, k) => a.plus(emu.truthFor(k).costCentsRange('2026-03-01', ORG_TODAY)), new Decimal(0)).div(100);
  const budgetUsd = mtd.div('0.6').toDecimalPlaces(2, Decimal.ROUND_DOWN).toFixed(2);
  const ws = emu.truthFor(KEY_A).workspaces()[0]!;
  writeFileSync(
    config,
    `organizations:
  - name: Production
    admin_key: "\${KEY_A}"
  - name: Research
    admin_key: "\${KEY_B}"
alerts:
  budgets:
    - name: Organization
      monthly_usd: "${budgetUsd}"
      thresholds_pct: [50, 80, 100]
      forecast: true
    - name: Team
      monthly_usd: 100
      scope: { workspace: ${ws.id} }
  anomalies: { daily_spend: false, new_spender: false }
  data_health: false
  notify:
    - webhook: { url: "\${HOOK_URL}" }
`,
  );
  const env = {
    ANTHROPIC_BASE_URL: emu.url,
    CLAUDE_INGEST_TODAY: ORG_TODAY,
    CLAUDE_INGEST_CONFIG: config,
    CLAUDE_INGEST_RETRY_BASE_MS: '5',
    KEY_A,
    KEY_B,
    HOOK_URL: hook.url,
  };
  const close = async () => {
    await Promise.all([emu.close(), hook.close()]);
  };
  try {
    const b = await runCli(['backfill', '--from', ORG_FROM, '--warehouse', url], env);
    if (b.code !== 0) throw new Error(`backfill failed (${b.code}): ${b.stderr.slice(-2000)}`);
    const a = await runCli(['alerts', '--warehouse', url], env);
    if (a.code !== 0) throw new Error(`alerts failed (${a.code}): ${a.stderr.slice(-2000)}`);
    const alerts = loadConfig(config, env).config.alerts!;
    return { emu, dir, file, url, config, env, alerts, budgetUsd, workspace: { id: ws.id, name: ws.name }, hook, close };
  } catch (err) {
    await close();
    throw err;
  }
}
