/**
 * The two-organization warehouse of test/helpers/two-organizations.ts, plus a budgets file
 * (claude-ingest.yaml's alerts section) and one real `alerts` run against a loopback webhook, so
 * alert_events holds rows. Shared by the dashboard's API and browser tests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { loadConfig } from '../../src/config/load.js';
import type { AlertsConfig } from '../../src/config/schema.js';
import { startHttpReceiver, type HttpReceiver } from '../alerts/receivers.js';
import { runCli } from '../helpers/cli.js';
import { KEY_A, KEY_B, twoOrganizations as fillTwo, type TwoOrganizations } from '../helpers/two-organizations.js';

export { KEY_A, KEY_B };
export const ORG_TODAY = '2026-03-15';
export const ORG_FROM = '2026-02-01';

export interface TwoOrgs extends TwoOrganizations {
  url: string;
  /** The budgets file (alerts only) the dashboard is given with --config. */
  config: string;
  alerts: AlertsConfig;
  /** Monthly budget of "Organization": month-to-date of both organizations at ORG_TODAY ÷ 0.6, so 50 % is crossed. */
  budgetUsd: string;
  /** The workspace (of organization A) the "Team" budget is scoped to. */
  workspace: { id: string; name: string };
  hook: HttpReceiver;
}

export async function twoOrganizations(): Promise<TwoOrgs> {
  const w = await fillTwo({ today: ORG_TODAY, from: ORG_FROM });
  const hook = await startHttpReceiver();
  const close = async () => {
    await Promise.all([w.close(), hook.close()]);
  };
  try {
    const mtd = [KEY_A, KEY_B].reduce((a, k) => a.plus(w.emu.truthFor(k).costCentsRange('2026-03-01', ORG_TODAY)), new Decimal(0)).div(100);
    const budgetUsd = mtd.div('0.6').toDecimalPlaces(2, Decimal.ROUND_DOWN).toFixed(2);
    const ws = w.emu.truthFor(KEY_A).workspaces()[0]!;
    const config = join(w.dir, 'budgets.yaml');
    writeFileSync(
      config,
      `alerts:
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
    const env = { ...w.env, HOOK_URL: hook.url };
    const a = await runCli(['alerts', '--config', config, '--warehouse', `duckdb:${w.file}`], env);
    if (a.code !== 0) throw new Error(`alerts failed (${a.code}): ${a.stderr.slice(-2000)}`);
    const alerts = loadConfig(config, env).config.alerts!;
    return { ...w, env, url: `duckdb:${w.file}`, config, alerts, budgetUsd, workspace: { id: ws.id, name: ws.name }, hook, close };
  } catch (err) {
    await close();
    throw err;
  }
}
