/** docs/metrics.md documents every published family (names, unit, every label) and every shipped alert. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { FAMILIES } from '../../src/metrics/families.js';
import { ROOT } from './prometheus-server.js';

const docs = readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8');

it('every metric has its row: Prometheus name, OpenTelemetry name and unit, and its labels', () => {
  for (const { def } of FAMILIES) {
    const row = docs.split('\n').find((l) => l.startsWith(`| \`${def.name}\` |`));
    expect(row, def.name).toBeDefined();
    expect(row, def.name).toContain(`\`${def.otelName}\` (\`${def.otelUnit}\`)`);
    const labels = row!.split('|')[3]!;
    expect([...labels.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]), def.name).toEqual([...def.labels]);
  }
});

it('every shipped alert is documented', () => {
  const rules = parse(readFileSync(join(ROOT, 'deploy/prometheus/claude-ingest.rules.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string }> }> };
  const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
  expect(alerts.length).toBe(9);
  for (const a of alerts) expect(docs, a).toContain(`| \`${a}\` |`);
});
