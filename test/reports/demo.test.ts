/** `claude-ingest demo` ends with the validation table, a pointer to `report` and one to the dashboard. */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

it('demo prints the validation table last, all PASS, then points at report and the dashboard', async () => {
  const dir = tempDir('ci-demo-');
  try {
    const out = join(dir, 'demo.duckdb');
    const res = await runCli(['demo', '--days', '5', '--org', 'small', '--out', out], { CLAUDE_INGEST_TODAY: '2026-03-15' });
    expect(res.code, res.stderr).toBe(0);
    const tail = res.stdout.slice(res.stdout.indexOf('Validation 2026-03-11..2026-03-15'));
    expect(tail).toMatch(/^Validation 2026-03-11\.\.2026-03-15 \(5 days/);
    for (const id of ['completeness', 'cents', 'duplicates', 'gaps', 'failed-windows', 'no-double-count', 'freshness']) {
      expect(tail).toMatch(new RegExp(`\\n${id} +PASS `));
    }
    const last = res.stdout.trimEnd().split('\n').slice(-2);
    expect(last[0]).toBe(`More: claude-ingest report --by month|workspace|model|api_key|user --warehouse duckdb:${out}`);
    expect(last[1]).toMatch(new RegExp(`^Dashboard: claude-ingest dashboard --warehouse duckdb:${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
