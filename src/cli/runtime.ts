/**
 * What every command shares: the environment, the reporter, opening the warehouse, and turning
 * errors into one readable line and an exit code. The API client is cli/api-runtime.ts (the ingesting commands only).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveApiKey, resolveBaseUrl, resolveToday, resolveWarehouseUrl, type Env } from '../config/env.js';
import { checkBaseUrl, redactKey } from '../source/base-url.js';
import { resolveOrganizationKeys, type OrganizationKey } from '../config/organization-keys.js';
import { errorCodes, InputError } from '../util/errors.js';
import type { IsoDay } from '../util/dates.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { EXIT } from './exit-codes.js';
import type { GlobalOptions } from './program.js';
import { createReporter, type Reporter } from './reporter.js';

export interface CliIo {
  env: Env;
  stdout: { write(s: string): boolean; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): boolean; isTTY?: boolean; columns?: number };
}

export type { GlobalOptions };

let cachedVersion: string | undefined;

/** The version in package.json, found by walking up: the same code runs from src/ (tests) and dist/src/. */
export function toolVersion(): string {
  if (cachedVersion) return cachedVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'claude-ingest') return (cachedVersion = pkg.version);
    } catch {
      // keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

export class CliRuntime {
  exitCode: number = EXIT.ok;
  private reporterCache: Reporter | undefined;
  constructor(readonly io: CliIo) {}

  /** Every admin key this invocation knows (env and config): scrubbed from every line it prints. */
  private readonly secrets: string[] = [];

  /** Keys read from the config file are secrets too, once known. */
  addSecrets(keys: readonly string[]): void {
    for (const k of keys) if (k && !this.secrets.includes(k)) this.secrets.push(k);
  }

  private readonly warned = new Set<string>();

  /** A config file's warnings, each printed once per command however often the file is read. */
  configWarnings(opts: GlobalOptions, warnings: readonly string[]): void {
    for (const w of warnings) {
      if (this.warned.has(w)) continue;
      this.warned.add(w);
      this.reporter(opts).warn(w);
    }
  }

  reporter(opts: GlobalOptions): Reporter {
    this.addSecrets([resolveApiKeySafe(this.io.env)].filter((k): k is string => Boolean(k)));
    this.reporterCache ??= createReporter({
      json: Boolean(opts.json),
      // The same array: keys added later are scrubbed too.
      secrets: this.secrets,
      stdout: this.io.stdout,
      stderr: this.io.stderr,
    });
    return this.reporterCache;
  }

  today(): IsoDay {
    return resolveToday(this.io.env);
  }

  concurrency(opts: GlobalOptions): number {
    return opts.concurrency === undefined ? 4 : parsePositive(opts.concurrency, '--concurrency', 32);
  }

  async openWarehouse(opts: GlobalOptions, readOnly = false): Promise<Warehouse> {
    const url = resolveWarehouseUrl(opts.warehouse, this.io.env);
    const lockWaitMs = opts.lockWait === undefined ? 0 : parseNonNegative(opts.lockWait, '--lock-wait') * 1000;
    const onLockWait = (holder: string) => this.reporter(opts).info(`the warehouse is in use by ${holder}: waiting up to ${lockWaitMs / 1000} s for it (--lock-wait)`, { event: 'lock_wait' });
    const wh = await openWarehouse(url, { readOnly, lockWaitMs, onLockWait, openWindows: readOnly ? undefined : this.concurrency(opts), env: this.io.env });
    // Read-only opens are checked too (init() only verifies the schema then): a newer, older or
    // foreign warehouse is refused with its message instead of being read as if it were ours.
    try {
      await wh.init();
    } catch (err) {
      await wh.close().catch(() => undefined);
      throw err;
    }
    return wh;
  }

  /** Keys (one per organization) and base URL are checked before anything is opened or sent. */
  apiSettings(configOption?: string, opts: GlobalOptions = {}): { keys: OrganizationKey[]; baseUrl: string } {
    const keys = resolveOrganizationKeys(this.io.env, configOption, (w) => this.configWarnings(opts, w));
    this.addSecrets(keys.map((k) => k.apiKey));
    const baseUrl = checkBaseUrl(resolveBaseUrl(this.io.env)).toString().replace(/\/$/, '');
    return { keys, baseUrl };
  }

  /** One readable line and the matching exit code; never the key, never a stack trace for known errors. */
  fail(opts: GlobalOptions, err: unknown): void {
    this.addSecrets([resolveApiKeySafe(this.io.env)].filter((k): k is string => Boolean(k)));
    const scrub = (text: string) => this.secrets.reduce((t, k) => redactKey(t, k), text);
    const message = scrub(err instanceof Error ? err.message : String(err));
    const codes = errorCodes(err);
    const known = codes !== undefined;
    const reporter = this.reporter(opts);
    reporter.done();
    reporter.error(known ? message : `unexpected error: ${message} (please report this with the command you ran)`);
    this.exitCode = codes?.exitCode ?? EXIT.failed;
    if (!known && this.io.env.CLAUDE_INGEST_DEBUG && err instanceof Error && err.stack) {
      this.io.stderr.write(scrub(err.stack) + '\n');
    }
  }
}

function resolveApiKeySafe(env: Env): string | undefined {
  try {
    return resolveApiKey(env);
  } catch {
    return undefined;
  }
}

export function parsePositive(value: string, flag: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InputError(`${flag} ${value} is not a whole number from 1 to ${max}`);
  return n;
}

export function parseNonNegative(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InputError(`${flag} ${value} is not a number of seconds (0 or more)`);
  return n;
}

/** Resolves at the first Ctrl-C or SIGTERM: how the long-running servers (dashboard, metrics) wait. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
