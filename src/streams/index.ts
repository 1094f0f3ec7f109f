import { analyticsCostStream } from './analytics-cost.js';
import { analyticsCostHourlyStream } from './analytics-cost-hourly.js';
import { analyticsUsageStream } from './analytics-usage.js';
import { claudeCodeStream } from './claude-code.js';
import { costStream } from './cost.js';
import { limitsStream } from './limits.js';
import { orgStream } from './org.js';
import { rateLimitPeaksStream } from './rate-limit-peaks.js';
import type { StreamDef, StreamName } from './stream.js';
import { OPTIONAL_STREAM_NAMES, STREAM_NAMES } from './stream.js';
import { usageStream } from './usage.js';
import { InputError } from '../util/errors.js';

export const STREAMS: Record<StreamName, StreamDef> = {
  claude_code: claudeCodeStream,
  cost: costStream,
  usage: usageStream,
  org: orgStream,
  analytics_cost: analyticsCostStream,
  analytics_usage: analyticsUsageStream,
  limits: limitsStream,
  rate_limit_peaks: rateLimitPeaksStream,
  analytics_cost_hourly: analyticsCostHourlyStream,
};

export class StreamInputError extends InputError {}

/**
 * Parses "--streams cost,usage": unknown names are an input error, not a silent skip. Without a list,
 * the default streams, plus analytics_cost_hourly when `hourlyCost` (a time zone other than UTC is
 * configured: local days are summed from hours).
 */
export function parseStreams(value: string | undefined, o: { hourlyCost?: boolean } = {}): StreamDef[] {
  const known = [...STREAM_NAMES, ...OPTIONAL_STREAM_NAMES];
  if (!value) return [...STREAM_NAMES, ...(o.hourlyCost ? OPTIONAL_STREAM_NAMES : [])].map((n) => STREAMS[n]);
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !known.includes(n as StreamName));
  if (unknown.length > 0 || names.length === 0) {
    throw new StreamInputError(`unknown stream "${unknown.join(', ') || value}": choose from ${known.join(', ')}`);
  }
  // Keep the canonical order (slow Claude Code stream first) whatever order the user typed.
  return known.filter((n) => names.includes(n)).map((n) => STREAMS[n]);
}

export type { StreamDef, StreamName } from './stream.js';
