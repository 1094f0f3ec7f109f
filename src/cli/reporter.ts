/**
 * Renders job events: a one-line progress bar on a terminal, otherwise (or with --json) one JSON
 * object per line on stderr with a `severity` field that Cloud Logging and other log viewers
 * understand. stdout carries only the command's own output, so it can be piped.
 */
import { redactKey } from '../source/base-url.js';
import type { JobEvent } from '../jobs/events.js';

type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export interface Reporter {
  event(e: JobEvent): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** The command's own output (tables, summaries, JSON documents): always plain text on stdout; logs go to stderr. */
  print(text: string): void;
  /** Clears the progress line. */
  done(): void;
  readonly json: boolean;
}

export interface ReporterOptions {
  json: boolean;
  /** Values never to print (the admin key). */
  secrets: string[];
  stdout?: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
  stderr?: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
}

function scrub(text: string, secrets: string[]): string {
  return secrets.reduce((t, s) => redactKey(t, s), text);
}

function describe(e: JobEvent): { severity: Severity; message: string } {
  switch (e.type) {
    case 'plan':
      return { severity: 'INFO', message: `planned ${e.windows} windows for ${e.from}..${e.to} (${e.streams.join(', ') || 'nothing to do'}; ${e.skippedDays} stream-days already complete)` };
    case 'window_start':
      return { severity: 'DEBUG', message: `${e.stream} ${e.from}..${e.to} started` };
    case 'window_ok':
      return { severity: 'INFO', message: `${e.stream} ${e.from}..${e.to}: ${e.rows} rows, ${e.requests} requests, ${e.rateLimited} rate-limited` };
    case 'window_failed':
      return { severity: 'ERROR', message: `${e.stream} ${e.from}..${e.to} failed: ${e.error}` };
    case 'client':
      return e.event.type === 'request'
        ? { severity: 'DEBUG', message: `GET ${e.event.path}` }
        : e.event.type === 'rate_limited'
          ? { severity: 'WARNING', message: `rate limited on ${e.event.path}: waiting ${Math.round(e.event.waitMs)} ms` }
          : { severity: 'WARNING', message: `retrying ${e.event.path} after ${e.event.status} (attempt ${e.event.attempt}, waiting ${Math.round(e.event.waitMs)} ms)` };
    case 'info':
      return { severity: 'INFO', message: e.message };
    case 'warning':
      return { severity: 'WARNING', message: e.message };
  }
}

export function createReporter(opts: ReporterOptions): Reporter {
  const out = opts.stdout ?? process.stdout;
  const err = opts.stderr ?? process.stderr;
  const json = opts.json || !err.isTTY;
  const progress = { total: 0, done: 0, failed: 0, rows: 0, requests: 0, rateLimited: 0, started: Date.now(), shown: false };

  const line = (severity: Severity, message: string, fields: Record<string, unknown> = {}) => {
    const record = { severity, time: new Date().toISOString(), message: scrub(message, opts.secrets), ...fields };
    err.write(scrub(JSON.stringify(record), opts.secrets) + '\n');
  };

  const clearBar = () => {
    if (progress.shown) err.write('\r\x1b[2K');
    progress.shown = false;
  };

  const drawBar = () => {
    if (progress.total === 0) return;
    const width = 24;
    const finished = progress.done + progress.failed;
    const filled = Math.min(width, Math.round((finished / progress.total) * width));
    const elapsed = (Date.now() - progress.started) / 1000;
    const eta = finished > 0 ? Math.max(0, (elapsed / finished) * (progress.total - finished)) : NaN;
    const etaText = Number.isFinite(eta) ? `${Math.floor(eta / 60)}:${String(Math.round(eta % 60)).padStart(2, '0')}` : '--:--';
    err.write(
      `\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${finished}/${progress.total} windows · ${progress.rows.toLocaleString('en-US')} rows · ${progress.requests} requests · ${progress.rateLimited}×429${progress.failed ? ` · ${progress.failed} failed` : ''} · ETA ${etaText}`,
    );
    progress.shown = true;
  };

  const human = (stream: 'out' | 'err', text: string) => {
    clearBar();
    (stream === 'out' ? out : err).write(scrub(text, opts.secrets) + '\n');
    drawBar();
  };

  return {
    json,
    event(e) {
      if (e.type === 'plan') {
        // Several plans add up (several organizations, or run --alerts reading rate-limit peaks after the run).
        if (progress.total === 0) progress.started = Date.now();
        progress.total += e.windows;
      } else if (e.type === 'window_ok') {
        progress.done++;
        progress.rows += e.rows;
        progress.requests += e.requests;
        progress.rateLimited += e.rateLimited;
      } else if (e.type === 'window_failed') {
        progress.failed++;
        progress.requests += e.requests;
        progress.rateLimited += e.rateLimited;
      }
      const { severity, message } = describe(e);
      if (json) {
        // Per-request events would flood a log; the window lines already carry the counts.
        if (severity !== 'DEBUG') line(severity, message, { event: e.type, ...('stream' in e ? { stream: e.stream, from: e.from, to: e.to } : {}) });
        return;
      }
      if (e.type === 'window_failed' || e.type === 'warning' || e.type === 'info' || e.type === 'plan') human('err', `${severity === 'ERROR' ? 'error' : severity === 'WARNING' ? 'warning' : 'info'}: ${message}`);
      else drawBar();
    },
    info: (message, fields) => (json ? line('INFO', message, fields) : human('err', message)),
    warn: (message, fields) => (json ? line('WARNING', message, fields) : human('err', `warning: ${message}`)),
    error: (message, fields) => (json ? line('ERROR', message, fields) : human('err', `error: ${message}`)),
    print: (text) => human('out', text),
    done: clearBar,
  };
}
