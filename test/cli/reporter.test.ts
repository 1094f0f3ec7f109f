import { describe, expect, it } from 'vitest';
import { createReporter } from '../../src/cli/reporter.js';

function sink(isTTY: boolean) {
  const s = { text: '', isTTY, write: (t: string) => ((s.text += t), true) };
  return s;
}

describe('reporter', () => {
  it('draws a progress bar with windows, rows, requests, 429s and ETA on a terminal', () => {
    const out = sink(true);
    const err = sink(true);
    const r = createReporter({ json: false, secrets: [], stdout: out, stderr: err });
    r.event({ type: 'plan', windows: 4, skippedDays: 0, streams: ['cost'], from: '2025-01-01', to: '2025-01-31' });
    r.event({ type: 'window_ok', stream: 'cost', from: '2025-01-01', to: '2025-01-31', rows: 1234, requests: 3, retries: 1, rateLimited: 2, centsTotal: '1' });
    expect(err.text).toMatch(/\[#{6}-{18}\] 1\/4 windows · 1,234 rows · 3 requests · 2×429 · ETA \d+:\d\d/);
    r.done();
    expect(err.text.endsWith('\r\x1b[2K')).toBe(true);
    expect(out.text).toBe('');
  });

  it('writes one JSON line per event with a severity when not on a terminal, and never the key', () => {
    const out = sink(false);
    const err = sink(false);
    const key = 'sk-ant-admin01-CANARY-abcdef';
    const r = createReporter({ json: false, secrets: [key], stdout: out, stderr: err });
    r.event({ type: 'window_failed', stream: 'usage', from: '2025-01-01', to: '2025-01-31', error: `boom with ${key}`, requests: 2, rateLimited: 0 });
    r.event({ type: 'window_start', stream: 'usage', from: '2025-01-01', to: '2025-01-31' });
    r.warn('careful');
    const lines = err.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ severity: 'ERROR', event: 'window_failed', stream: 'usage' });
    expect(lines[1]).toMatchObject({ severity: 'WARNING', message: 'careful' });
    expect(err.text).not.toContain(key);
    expect(err.text).toContain('[redacted key]');
    r.print('data');
    expect(out.text).toBe('data\n');
  });
});
