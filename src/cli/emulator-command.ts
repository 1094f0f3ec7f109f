import { EMULATOR_ADMIN_KEY, startEmulator, type OrgSize } from '../emulator/index.js';
import { parseDay } from '../util/dates.js';
import type { Program } from './program.js';
import { InputError } from '../util/errors.js';
import { type CliRuntime } from './runtime.js';

export function registerEmulatorCommand(program: Program, rt: CliRuntime): void {
  program
    .command('emulator')
    .description('Serve the built-in Admin API emulator on loopback (deterministic synthetic organization).')
    .option('--port <port>', 'port (0 = any free port)', '0')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--seed <n>', 'seed of the synthetic organization', '42')
    .option('--today <day>', 'the emulated "today" (YYYY-MM-DD); default the real UTC today')
    .option('--org <size>', 'organization size: small, medium or large', 'small')
    .option('--rpm <n>', 'rate limit in requests per minute (429s without retry-after, like the real API)')
    .option('--retry-after', 'send retry-after and anthropic-ratelimit-requests-reset with 429s')
    .option('--fault-rate <f>', 'probability (0-1) of a transient fault per request', '0')
    .option('--latency <ms>', 'added latency per response', '0')
    .option('--spike <day:factor>', 'multiply one day\'s spend in every report, e.g. 2026-03-04:4 (repeatable): plants an anomaly for alerts', collectSpike, [])
    .option('--drift', 'answer as a newer API version might: unknown fields and enum values, a new cache token bucket, unknown actor types')
    .option('--analytics-unavailable <status>', 'answer the Usage and Cost Analytics endpoints with 403 or 404, as for an organization without them')
    .option('--spend-cap <usd>', 'the usage-tier monthly spend cap spend_limits reports, in dollars (default 5000; "none" = no cap)')
    .option('--rate-limits <spec>', 'organization rate limits of every model group, LIMITER=VALUE,… e.g. input_tokens_per_minute_cache_aware=30000,output_tokens_per_minute=8000 (any limiter name is served)')
    .option('--limits-unavailable <status>', 'answer spend_limits with 400 (organization_type_not_supported), 403 or 404, as for an organization without them')
    .option('--minute-peak <spec>', 'plant a burst of usage at one minute: DAY@HH:MM:INPUT_TOKENS[:OUTPUT_TOKENS], e.g. 2026-03-04@14:05:250000:20000 (repeatable)', collectSpike, [])
    .addHelpText('after', `\nExample:\n  $ claude-ingest emulator --port 8787 --rpm 60\n  $ ANTHROPIC_BASE_URL=http://127.0.0.1:8787 ANTHROPIC_ADMIN_KEY=${EMULATOR_ADMIN_KEY} claude-ingest backfill --from 2025-01-01`)
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        const num = (v: string, flag: string, min: number, max: number) => {
          const n = Number(v);
          if (!Number.isFinite(n) || n < min || n > max) throw new InputError(`${flag} ${v} must be a number from ${min} to ${max}`);
          return n;
        };
        const emu = await startEmulator({
          host: o.host,
          port: num(o.port, '--port', 0, 65535),
          seed: num(o.seed, '--seed', 0, 2 ** 31),
          today: o.today ? parseDay(o.today, '--today') : undefined,
          org: parseOrgSize(o.org),
          rateLimit: o.rpm ? { rpm: num(o.rpm, '--rpm', 1, 1e6), retryAfter: Boolean(o.retryAfter) } : undefined,
          faultRate: num(o.faultRate, '--fault-rate', 0, 1),
          latencyMs: num(o.latency, '--latency', 0, 600_000),
          spikes: o.spike.map(parseSpike),
          drift: o.drift === true,
          analyticsAvailable: parseAnalyticsUnavailable(o.analyticsUnavailable),
          spendCapCents: o.spendCap === undefined ? undefined : parseSpendCap(o.spendCap),
          rateLimits: o.rateLimits === undefined ? undefined : parseRateLimits(o.rateLimits),
          limitsAvailable: { spend: parseLimitsUnavailable(o.limitsUnavailable) },
          minutePeaks: o.minutePeak.map(parseMinutePeak),
        });
        // Written directly: the emulator's demo key is public and must not be redacted like a real key.
        rt.io.stdout.write(`Admin API emulator listening on ${emu.url}\n  export ANTHROPIC_BASE_URL=${emu.url}\n  export ANTHROPIC_ADMIN_KEY=${EMULATOR_ADMIN_KEY}\nPress Ctrl+C to stop.\n`);
        await new Promise<void>((resolve) => {
          const stop = () => void emu.close().then(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      } catch (err) {
        rt.fail(g, err);
      }
    });
}

/** --analytics-unavailable 403|404 → EmulatorOptions.analyticsAvailable (absent: available). */
function parseAnalyticsUnavailable(value: string | undefined): true | 403 | 404 {
  if (value === undefined) return true;
  if (value === '403' || value === '404') return Number(value) as 403 | 404;
  throw new InputError(`--analytics-unavailable ${value} is not 403 or 404`);
}

const ORG_SIZES: readonly OrgSize[] = ['small', 'medium', 'large'];

/** --org of the emulator and the demo. */
export function parseOrgSize(value: string): OrgSize {
  const size = ORG_SIZES.find((s) => s === value);
  if (!size) throw new InputError(`--org ${value} is not small, medium or large`);
  return size;
}

function collectSpike(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** "2026-03-04:4" → { day, factor }; the factor keeps token counts inside the emulator's 32-bit cells. */
export function parseSpike(value: string): { day: string; factor: number } {
  const m = /^(\d{4}-\d{2}-\d{2}):(\d+(?:\.\d+)?)$/.exec(value.trim());
  if (!m) throw new InputError(`--spike ${value} is not DAY:FACTOR: use e.g. 2026-03-04:4`);
  const factor = Number(m[2]);
  if (!(factor > 0 && factor <= 50)) throw new InputError(`--spike ${value}: the factor must be above 0 and at most 50`);
  return { day: parseDay(m[1]!, '--spike'), factor };
}

/** --spend-cap 5000 | 2412.50 | none → the usage-tier cap in whole cents (the API sends integer cents). */
export function parseSpendCap(value: string): string | null {
  if (value === 'none') return null;
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!m) throw new InputError(`--spend-cap ${value} is not an amount of dollars such as 5000 or 2412.50 (or "none")`);
  return (BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'))).toString();
}

/** --rate-limits "a=1,b=2" → { a: 1, b: 2 }. */
export function parseRateLimits(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z][a-z0-9_]*)=(\d+)$/.exec(part);
    if (!m) throw new InputError(`--rate-limits ${part} is not LIMITER=VALUE: use e.g. output_tokens_per_minute=8000`);
    out[m[1]!] = Number(m[2]);
  }
  if (Object.keys(out).length === 0) throw new InputError('--rate-limits needs at least one LIMITER=VALUE');
  return out;
}

function parseLimitsUnavailable(value: string | undefined): true | 400 | 403 | 404 {
  if (value === undefined) return true;
  if (value === '400' || value === '403' || value === '404') return Number(value) as 400 | 403 | 404;
  throw new InputError(`--limits-unavailable ${value} is not 400, 403 or 404`);
}

/** "2026-03-04@14:05:250000:20000" → a planted minute of usage. */
export function parseMinutePeak(value: string): { day: string; minute: string; uncachedInput: number; output: number } {
  const m = /^(\d{4}-\d{2}-\d{2})@([01]\d|2[0-3]):([0-5]\d):(\d+)(?::(\d+))?$/.exec(value.trim());
  if (!m) throw new InputError(`--minute-peak ${value} is not DAY@HH:MM:INPUT[:OUTPUT]: use e.g. 2026-03-04@14:05:250000:20000`);
  return { day: parseDay(m[1]!, '--minute-peak'), minute: `${m[2]}:${m[3]}`, uncachedInput: Number(m[4]), output: Number(m[5] ?? 0) };
}
