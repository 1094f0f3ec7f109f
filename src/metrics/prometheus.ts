/** A snapshot in the Prometheus text exposition format, written by prom-client. */
import { Gauge, Registry } from 'prom-client';
import { sampleValue, type MetricsSnapshot } from './model.js';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** The text for a scrape at `nowMs` (ages are taken then, so a kept snapshot keeps ageing). */
export async function prometheusText(snapshot: MetricsSnapshot, nowMs = Date.now()): Promise<string> {
  const registry = new Registry();
  for (const { def, samples } of snapshot.families) {
    const gauge = new Gauge({ name: def.name, help: def.help, labelNames: [...def.labels], registers: [registry] });
    for (const s of samples) gauge.set(s.labels, sampleValue(s.value, nowMs));
  }
  return registry.metrics();
}
