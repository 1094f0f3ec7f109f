import { describe, expect, it } from 'vitest';
import { ORG_SHAPES } from '../../src/emulator/index.js';
import { SyntheticModel } from '../../src/emulator/model.js';
import { createGroundTruth } from '../../src/emulator/truth.js';
import { addDays } from '../../src/util/dates.js';

describe('synthetic model', () => {
  it('has every key status, archived workspaces, and realistic names', () => {
    const truth = createGroundTruth(new SyntheticModel(42, '2025-06-30', 400, ORG_SHAPES.small));
    expect(new Set(truth.apiKeys().map((k) => k.status))).toEqual(new Set(['active', 'inactive', 'archived', 'expired']));
    expect(truth.apiKeys()).toHaveLength(12);
    expect(truth.apiKeys().some((k) => k.workspace_id === null)).toBe(true);
    expect(truth.apiKeys()[0]!.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect(truth.workspaces()).toHaveLength(3);
    expect(truth.workspaces().some((w) => w.archived)).toBe(true);
    expect(truth.workspaces()[0]!.name).toBe('Research');
    expect(new Set(truth.users().map((u) => u.email)).size).toBe(truth.users().length);
    expect(truth.firstDay).toBe(addDays('2025-06-30', -400));
    expect(truth.costCents(addDays(truth.firstDay, -1))).toBe('0');
    expect(truth.costCents('2025-07-01')).toBe('0');
  });

  it('generates a day of a large org quickly', () => {
    const model = new SyntheticModel(42, '2025-06-30', 365, ORG_SHAPES.large);
    model.atoms('2025-06-01'); // warm up the JIT
    const days = Array.from({ length: 6 }, (_, i) => addDays('2025-06-02', i));
    const t0 = performance.now();
    for (const d of days) {
      model.costLines(d);
      model.code(d);
    }
    const perDay = (performance.now() - t0) / days.length;
    // ~20-50 ms on an idle machine; the bound only catches pathological regressions on a shared, loaded one.
    expect(perDay).toBeLessThan(1_500);
    expect(model.atoms('2025-06-03').n).toBeGreaterThan(1000);
  });

  it('weekends are quieter and growth is gentle', () => {
    const truth = createGroundTruth(new SyntheticModel(42, '2025-06-30', 400, ORG_SHAPES.medium));
    const cents = (d: string) => Number(truth.costCents(d));
    // 2025-06-14/15 is a weekend, 2025-06-16..20 weekdays.
    const weekend = (cents('2025-06-14') + cents('2025-06-15')) / 2;
    const weekdays = ['2025-06-16', '2025-06-17', '2025-06-18', '2025-06-19', '2025-06-20'].map(cents);
    expect(weekend).toBeLessThan(Math.min(...weekdays));
    const early = ['2024-06-10', '2024-06-11', '2024-06-12'].map(cents).reduce((a, b) => a + b);
    const late = ['2025-06-16', '2025-06-17', '2025-06-18'].map(cents).reduce((a, b) => a + b);
    expect(late).toBeGreaterThan(early);
  });
});
