/**
 * `claude-ingest alerts` end to end: the emulator, a real DuckDB file, and delivery to loopback
 * receivers (webhook, Slack-shaped, SMTP). Expected figures come from the emulator's ground truth.
 */
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from './receivers.js';

const STREAMS = ['--streams', 'cost,usage'];
let w: FilledWarehouse;
let hook: HttpReceiver;
let slack: HttpReceiver;
let smtp: SmtpReceiver;
const SECRET = 'whsec-test-0123456789';

/** Month-to-date dollars at `day` (inclusive), exact, from the ground truth. */
const mtd = (day: string) => new Decimal(w.emu.truth.costCentsRange(`${day.slice(0, 7)}-01`, day)).div(100);
let budget: Decimal;

function env(today: string, extra: Record<string, string> = {}) {
  return { ...w.env, CLAUDE_INGEST_TODAY: today, HOOK_URL: hook.url, HOOK_SECRET: SECRET, SLACK_URL: slack.url, SMTP_URL: smtp.url, CLAUDE_INGEST_RETRY_BASE_MS: '5', CLAUDE_INGEST_TIMEOUT_MS: '500', ...extra };
}
async function step(today: string, cfg: string, args: string[] = []) {
  const e = env(today);
  const b = await runCli(['backfill', '--from', '2026-01-20', '--to', today, ...STREAMS, '--warehouse', w.url], e);
  expect(b.code, b.stderr).toBe(0);
  return runCli(['alerts', '--config', cfg, '--warehouse', w.url, ...args], e);
}
const bodies = () => hook.received.map((r) => JSON.parse(r.body) as { version: number; event: { key: string; rule: string; level: string; figures: Record<string, unknown> } });

beforeAll(async () => {
  w = await fillWarehouse({ today: '2026-04-02', from: '2026-01-20', to: '2026-03-05', seed: 5, args: STREAMS });
  [hook, slack, smtp] = await Promise.all([startHttpReceiver(), startHttpReceiver('/services/T000/B000/XXXXSECRETPATH'), startSmtpReceiver()]);
  // 80 % is crossed on 2026-03-20 exactly: the budget is that day's month-to-date / 0.8.
  budget = mtd('2026-03-20').div('0.8').toDecimalPlaces(2, Decimal.ROUND_DOWN);
}, 120_000);
afterAll(async () => {
  await Promise.all([hook?.close(), slack?.close(), smtp?.close()]);
  await w?.close();
});

function config(extraBudgets = '') {
  const path = join(w.dir, 'claude-ingest.yaml');
  writeFileSync(
    path,
    `alerts:
  budgets:
    - name: Organization
      monthly_usd: "${budget.toFixed(2)}"
      thresholds_pct: [50, 80, 100]
${extraBudgets}  anomalies: { daily_spend: false, new_spender: false }
  data_health: false
  notify:
    - webhook: { url: "\${HOOK_URL}", secret: "\${HOOK_SECRET}" }
    - slack: { webhook_url: "\${SLACK_URL}" }
    - email: { smtp_url: "\${SMTP_URL}", from: finops@example.com, to: [cfo@example.com] }
`,
  );
  return path;
}

const expectedLevel = (day: string) => [100, 80, 50].find((t) => mtd(day).times(100).gte(budget.times(t)));

describe('budgets through a month', () => {
  it('each threshold once, no repeat on a second run, escalation, month rollover; exact figures on every channel', async () => {
    const cfg = config();
    const walk = ['2026-03-05', '2026-03-12', '2026-03-20', '2026-03-20', '2026-03-31', '2026-04-02'];
    let sentBefore = 0;
    const seen = new Set<string>();
    for (const day of walk) {
      const r = await step(day, cfg);
      expect(r.code, r.stderr).toBe(0);
      const fresh = bodies().slice(sentBefore);
      sentBefore = bodies().length;
      const month = day.slice(0, 7);
      const level = expectedLevel(day);
      const key = level === undefined ? null : `budget|Organization|${month}|${level}`;
      if (key === null || seen.has(key)) {
        expect(fresh, `${day}: nothing new`).toEqual([]);
      } else {
        expect(fresh.map((b) => b.event.key), day).toEqual([key]);
        expect(fresh[0]!.event.figures.spent_usd).toBe(mtd(day).toFixed());
        expect(fresh[0]!.event.figures.partial_day).toBe(day);
        seen.add(key);
      }
    }
    // 80 % fired on the day it was crossed, 100 % later; April started over (and March's end was judged on 04-02).
    expect([...seen]).toContain('budget|Organization|2026-03|80');
    expect(seen.size).toBeGreaterThanOrEqual(2);
    expect(slack.received).toHaveLength(bodies().length);
    expect(smtp.mails).toHaveLength(bodies().length);
  }, 240_000);

  it('the webhook body is versioned and signed; Slack gets Block Kit; email is text plus HTML', () => {
    const first = hook.received[0]!;
    expect(first.headers['x-claude-ingest-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(first.body).digest('hex')}`);
    expect(JSON.parse(first.body).version).toBe(1);
    const s = JSON.parse(slack.received[0]!.body) as { text: string; blocks: Array<{ type: string }> };
    expect(s.blocks[0]!.type).toBe('header');
    expect(s.blocks.map((b) => b.type)).toContain('context');
    expect(s.text).toMatch(/Organization: \$[\d,]+\.\d\d of \$[\d,]+\.\d\d \(\d+ %\) month to date, 2026-03-01\.\.2026-03-\d\d/);
    const mail = smtp.mails[0]!;
    expect(mail.to).toEqual(['cfo@example.com']);
    expect(mail.raw).toMatch(/Content-Type: text\/plain/i);
    expect(mail.raw).toMatch(/Content-Type: text\/html/i);
    expect(mail.raw).toMatch(/Subject: \[claude-ingest\] Budget Organization/);
  });

  it('forecast breach fires once per month, before the spend crosses 100 %', async () => {
    const high = mtd('2026-03-31').times('0.9').toFixed(2);
    const cfg = config(`    - name: Forecast\n      monthly_usd: "${high}"\n      thresholds_pct: [100]\n      forecast: true\n`);
    const before = bodies().length;
    const r1 = await runCli(['alerts', '--config', cfg, '--warehouse', w.url], env('2026-03-20'));
    const r2 = await runCli(['alerts', '--config', cfg, '--warehouse', w.url], env('2026-03-20'));
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code).toBe(0);
    const fresh = bodies().slice(before);
    expect(fresh.map((b) => b.event.key)).toEqual(['budget_forecast|Forecast|2026-03|forecast']);
    const f = fresh[0]!.event.figures;
    expect(new Decimal(String(f.forecast_usd)).gte(high)).toBe(true);
    expect(new Decimal(String(f.spent_usd)).lt(high)).toBe(true);
  }, 60_000);

  it('a failing channel is retried with backoff, recorded failed, never blocks the others, and is delivered by the next run', async () => {
    const cfg = config();
    const day = '2026-03-25';
    const lowCfg = cfg;
    writeFileSync(lowCfg, readFileSync(cfg, 'utf8').replace(/monthly_usd: "[^"]+"/, 'monthly_usd: "1.00"').replace('name: Organization', 'name: Tiny'));
    hook.failNext([500, 503, 502, 500]); // every attempt of this run
    const hookBefore = hook.received.length;
    const slackBefore = slack.received.length;
    const r1 = await runCli(['alerts', '--config', lowCfg, '--warehouse', w.url], env(day));
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/1 alert delivery\(ies\) failed .*webhook \(127\.0\.0\.1:\d+\): HTTP 500/);
    expect(hook.received.length).toBe(hookBefore);
    expect(slack.received.length).toBe(slackBefore + 1);
    const r2 = await runCli(['alerts', '--config', lowCfg, '--warehouse', w.url], env(day));
    expect(r2.code, r2.stderr).toBe(0);
    expect(hook.received.length).toBe(hookBefore + 1);
    expect(slack.received.length).toBe(slackBefore + 1);
    const r3 = await runCli(['alerts', '--config', lowCfg, '--warehouse', w.url], env(day));
    expect(r3.stdout).toMatch(/0 sent, 0 failed, 3 already sent/);
  }, 60_000);

  it('a receiver that hangs times out without holding up the other channels', async () => {
    const cfg = config();
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/monthly_usd: "[^"]+"/, 'monthly_usd: "2.00"').replace('name: Organization', 'name: Hang'));
    hook.failNext(['hang', 'hang', 'hang', 'hang']);
    const slackBefore = slack.received.length;
    const r = await runCli(['alerts', '--config', cfg, '--warehouse', w.url], env('2026-03-25'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no answer within 500 ms/);
    expect(slack.received.length).toBe(slackBefore + 1);
    const retried = await runCli(['alerts', '--config', cfg, '--warehouse', w.url], env('2026-03-25'));
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/1 sent, 0 failed, 2 already sent/);
  }, 60_000);

  it('--dry-run sends and records nothing; secrets appear in no output and no alert_events row', async () => {
    const cfg = config();
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/monthly_usd: "[^"]+"/, 'monthly_usd: "3.00"').replace('name: Organization', 'name: Dry'));
    const before = [hook.received.length, slack.received.length, smtp.mails.length];
    const dry = await runCli(['alerts', '--dry-run', '--json', '--config', cfg, '--warehouse', w.url], env('2026-03-25'));
    expect(dry.code, dry.stderr).toBe(0);
    const out = JSON.parse(dry.stdout) as { deliveries: Array<{ status: string }> };
    expect(out.deliveries.filter((d) => d.status === 'would_send')).toHaveLength(3);
    expect([hook.received.length, slack.received.length, smtp.mails.length]).toEqual(before);
    const again = await runCli(['alerts', '--dry-run', '--config', cfg, '--warehouse', w.url], env('2026-03-25'));
    expect(again.stdout).toMatch(/3 would be sent/);
    const dump = await runCli(['export', 'alert_events', '--out', join(w.dir, 'ae.csv'), '--format', 'csv', '--warehouse', w.url], env('2026-04-02'));
    const rows = dump.code === 0 ? readFileSync(join(w.dir, 'ae.csv'), 'utf8') : '';
    // Recorded alerts (from the tests above) belong to the warehouse's one organization.
    const header = rows.split('\n')[0]!.split(',');
    const orgCol = header.indexOf('organization_id');
    const recorded = rows.trim().split('\n').slice(1);
    expect(recorded.length).toBeGreaterThan(0);
    for (const line of recorded) expect(line.split(',')[orgCol]).toBe(w.emu.truth.organizationId);
    for (const text of [dry.stdout, dry.stderr, again.stdout, again.stderr, rows]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('XXXXSECRETPATH');
    }
  }, 60_000);
});
