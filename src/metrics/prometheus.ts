/**
 * A snapshot in the Prometheus text exposition format, written by prom-client. A family's text is
 * written once per snapshot and kept with it; only families holding ages (data freshness) are
 * written again at each scrape, so a scrape of a kept snapshot costs a string join, not a rendering
 * of every series.
 */
import { sampleValue, type FamilySnapshot, type MetricsSnapshot } from './model.js';

/** prom-client's Registry.PROMETHEUS_CONTENT_TYPE, without loading prom-client at start (a test pins the two equal). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const written = new WeakMap<FamilySnapshot, string>();

async function familyText({ def, samples }: FamilySnapshot, nowMs: number): Promise<string> {
  // Loaded at the first scrape, not when any command starts (about 70 ms of module loading).
  const { Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
  const gauge = new Gauge({ name: def.name, help: def.help, labelNames: [...def.labels], registers: [registry] });
  for (const s of samples) gauge.set(s.labels, sampleValue(s.value, nowMs));
  return registry.metrics();
}

/** The text for a scrape at `nowMs` (ages are taken then, so a kept snapshot keeps ageing). */
export async function prometheusText(snapshot: MetricsSnapshot, nowMs = Date.now()): Promise<string> {
  const parts: string[] = [];
  for (const family of snapshot.families) {
    const ageing = family.samples.some((s) => typeof s.value === 'object');
    let text = ageing ? undefined : written.get(family);
    if (text === undefined) {
      text = await familyText(family, nowMs);
      if (!ageing) written.set(family, text);
    }
    parts.push(text.endsWith('\n') ? text : `${text}\n`);
  }
  return parts.join('\n');
}
