/** Reads every family from the warehouse into one snapshot (the endpoint keeps it until the warehouse changes). */
import type { Warehouse } from '../warehouse/warehouse.js';
import { collectContext, type CollectOptions } from './context.js';
import { FAMILIES, type Family } from './families.js';
import type { MetricsSnapshot } from './model.js';

export async function collectMetrics(wh: Warehouse, o: CollectOptions, families: readonly Family[] = FAMILIES): Promise<MetricsSnapshot> {
  const ctx = await collectContext(wh, o);
  const out: MetricsSnapshot['families'] = [];
  // One family at a time: each is a few aggregate queries, and the warehouse has few cores to share.
  for (const f of families) {
    const samples = await f.collect(ctx);
    for (const s of samples) {
      const keys = Object.keys(s.labels);
      if (keys.length !== f.def.labels.length || !f.def.labels.every((l) => s.labels[l] !== undefined)) {
        throw new Error(`metric ${f.def.name}: sample labels ${keys.join(',')} are not the family's ${f.def.labels.join(',')}`);
      }
      // Prometheus reads an empty label as no label at all, which would change the family's label set.
      for (const l of keys) if (s.labels[l] === '') s.labels[l] = '(none)';
    }
    out.push({ def: f.def, samples });
  }
  return { families: out, readAtMs: Date.now() };
}
