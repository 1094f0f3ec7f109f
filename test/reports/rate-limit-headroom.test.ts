/**
 * `report --by rate_limit` on a planted per-minute peak: the emulator serves 1-minute usage buckets
 * with a burst at 14:05 (uncached input, a large cache read and output) and limits low enough to
 * see it. The peak minute, its share of each limit, the workspace that drove it, cache reads left out
 * of the cache-aware input limit (and counted by the plain one), requests per minute said to be
 * unreadable; the days are read once and then served from the warehouse; the alert rule fires once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelGroupOf } from '../../src/emulator/limits.js';
import { runCli } from '../helpers/cli.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-20';
const DAY = '2026-03-18';
// The emulator's ordinary traffic peaks at a few million tokens a minute (its usage comes in
// lumps), so the planted burst and the limits are an order of magnitude above that.
const PEAK = { uncachedInput: 40_000_000, cacheRead: 200_000_000, output: 8_000_000 };
const LIMITS = { requests_per_minute: 50, input_tokens_per_minute_cache_aware: 45_000_000, input_tokens_per_minute: 300_000_000, output_tokens_per_minute: 9_000_000 };
let w: FilledWarehouse;
let model: string;
let workspace: { id: string; name: string };

type Row = { day: string; model_group: string; limiter: string; peak: number | null; peak_minute: string | null; limit: number; share_pct: number | null; workspace: string | null; note: string | null };

beforeAll(async () => {
  const probe = await fillWarehouse({ today: TODAY, from: TODAY, seed: 8, args: ['--streams', 'org'] });
  workspace = probe.emu.truth.workspaces().find((x) => !x.archived)!;
  await probe.close();
  w = await fillWarehouse({
    today: TODAY,
    from: '2026-03-15',
    seed: 8,
    args: ['--streams', 'org,limits'],
    emulator: { rateLimits: LIMITS, minutePeaks: [{ day: DAY, minute: '14:05', workspace: workspace.id, ...PEAK }] },
  });
  model = modelGroupOf('claude-sonnet-4-5-20250929').display;
}, 120_000);
afterAll(async () => {
  await w?.close();
});

async function headroom(from: string, to: string): Promise<Row[]> {
  const r = await w.cli(['report', '--by', 'rate_limit', '--from', from, '--to', to, '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { rows: Row[] }).rows;
}

describe('rate-limit headroom', () => {
  it('finds the planted minute and its share of every limiter, cache reads as each limiter counts them', async () => {
    const rows = (await headroom(DAY, DAY)).filter((r) => r.model_group === model);
    expect(model).toBe(modelGroupOf('claude-sonnet-4-5-20250929').display);
    const by = new Map(rows.map((r) => [r.limiter, r]));
    const aware = by.get('input_tokens_per_minute_cache_aware')!;
    expect(aware.peak_minute).toBe(`${DAY}T14:05:00Z`);
    // The planted burst plus whatever ordinary traffic shares the minute, never the cache read.
    expect(aware.peak!).toBeGreaterThanOrEqual(PEAK.uncachedInput);
    expect(aware.peak!).toBeLessThan(PEAK.uncachedInput + PEAK.cacheRead / 4);
    expect(aware.share_pct).toBe(Math.floor((aware.peak! * 10000) / LIMITS.input_tokens_per_minute_cache_aware) / 100);
    expect(aware.share_pct!).toBeGreaterThanOrEqual(80);
    expect(aware.workspace).toBe(workspace.name);
    const plain = by.get('input_tokens_per_minute')!;
    expect(plain.peak!).toBeGreaterThanOrEqual(PEAK.uncachedInput + PEAK.cacheRead);
    expect(plain.peak_minute).toBe(`${DAY}T14:05:00Z`);
    const out = by.get('output_tokens_per_minute')!;
    expect(out.peak!).toBeGreaterThanOrEqual(PEAK.output);
    expect(out.limit).toBe(LIMITS.output_tokens_per_minute);
    const rpm = by.get('requests_per_minute')!;
    expect([rpm.peak, rpm.share_pct, rpm.peak_minute]).toEqual([null, null, null]);
    expect(rpm.note).toContain('requests per minute cannot be read');
    // JSON rows carry the documented fields.
    expect(Object.keys(aware)).toEqual(expect.arrayContaining(['day', 'model_group', 'limiter', 'peak', 'peak_minute', 'limit', 'share_pct']));
  });

  it('reads only the days asked, once: a second report is answered from the warehouse', async () => {
    w.emu.resetStats();
    const again = await headroom(DAY, DAY);
    expect(w.emu.stats().byEndpoint['usage_report/messages'] ?? 0).toBe(0);
    expect(again.length).toBeGreaterThan(0);
    const wider = await headroom('2026-03-16', DAY);
    // Two more days read, one request sequence each (1440 buckets fit one page).
    expect(w.emu.stats().byEndpoint['usage_report/messages']).toBe(2);
    expect(new Set(wider.map((r) => r.day))).toEqual(new Set(['2026-03-16', '2026-03-17', DAY]));
  });

  it('rate_limit_headroom: { pct: 80 } fires for the day of the peak only', async () => {
    const cfg = join(w.dir, 'claude-ingest.yaml');
    writeFileSync(cfg, 'alerts:\n  rate_limit_headroom: { pct: 80 }\n  anomalies: { daily_spend: false, new_spender: false }\n  data_health: false\n');
    const r = await w.cli(['alerts', '--config', cfg, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = (JSON.parse(r.stdout) as { events: Array<{ rule: string; period: string; level: string; figures: Record<string, unknown> }> }).events.filter((e) => e.rule === 'rate_limit_headroom');
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.period === DAY && e.level === '80')).toBe(true);
    expect(events.map((e) => e.figures.limiter)).toContain('input_tokens_per_minute_cache_aware');
  });

  it('run --alerts with the rule on reads yesterday\'s and today\'s peaks first', async () => {
    const cfg = join(w.dir, 'claude-ingest.yaml');
    writeFileSync(cfg, 'alerts:\n  rate_limit_headroom: { pct: 80 }\n  anomalies: { daily_spend: false, new_spender: false }\n  data_health: false\n');
    const r = await runCli(['run', '--lookback', '1', '--streams', 'cost', '--alerts', '--config', cfg, '--warehouse', w.url], { ...w.env, CLAUDE_INGEST_DEBUG: '1' });
    expect(r.code, r.stderr).toBe(0);
    const days = await queryWarehouse(w.file, "SELECT DISTINCT CAST(window_start AS VARCHAR) AS d FROM ingest_windows WHERE stream = 'rate_limit_peaks' AND status = 'ok' ORDER BY 1");
    expect(days.map((x) => x.d)).toEqual(expect.arrayContaining(['2026-03-19', TODAY]));
  });

  it('without an admin key: the cache answers, and the report says which days it lacks', async () => {
    const env = { CLAUDE_INGEST_TODAY: TODAY };
    const r = await runCli(['report', '--by', 'rate_limit', '--from', '2026-03-10', '--to', DAY, '--format', 'json', '--warehouse', w.url], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('no admin key: 6 day(s) of 2026-03-10..2026-03-18 are not in the headroom cache');
    const rows = (JSON.parse(r.stdout) as { rows: Row[] }).rows;
    expect(new Set(rows.map((x) => x.day))).toEqual(new Set(['2026-03-16', '2026-03-17', DAY]));
  });
});
