/**
 * Finds, parses and validates `claude-ingest.yaml`. Every problem is one line naming the file, the
 * line when known, the key path and what is expected. `${NAME}` in a string reads the environment,
 * so secrets stay in Secret Manager and the values read are collected to be redacted from any output.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import type { Document } from 'yaml';
import type { z } from 'zod';
import type { Env } from './env.js';
import { ConfigError } from '../source/errors.js';
import type * as Schema from './schema.js';
import type { ConfigFile } from './schema.js';

export const DEFAULT_CONFIG_NAMES = ['claude-ingest.yaml', 'claude-ingest.yml', 'claude-ingest.json'];

/** A config file is a few KB; anything past this is not one (and would cost the heap to parse). */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** YAML aliases expanded at most this many times: more is a "billion laughs" bomb, not a config. */
export const MAX_YAML_ALIASES = 100;

/** Bad configuration: exit 2, nothing done. `problems` holds one line each. */
export class ConfigFileError extends ConfigError {
  override name = 'ConfigFileError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

export interface LoadedConfig {
  /** null when no file was given and none exists in the working directory. */
  path: string | null;
  config: ConfigFile;
  /** Every value read from the environment through ${NAME}: never to be printed. */
  secrets: string[];
  /** Problems that do not stop the command (a literal admin key), one line each, to print as WARNING. */
  warnings: string[];
}

type PathPart = string | number;

/** alerts.budgets[0].monthly_usd */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

/** The file named by --config or CLAUDE_INGEST_CONFIG, else the first default name in cwd, else null. */
export function findConfigFile(option: string | undefined, env: Env, cwd = process.cwd()): string | null {
  const named = option?.trim() || env.CLAUDE_INGEST_CONFIG?.trim();
  if (named) {
    const path = resolve(cwd, named);
    if (!existsSync(path)) throw new ConfigFileError([`the config file ${named} does not exist: check --config / CLAUDE_INGEST_CONFIG`]);
    return path;
  }
  for (const name of DEFAULT_CONFIG_NAMES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/**
 * The config schema is loaded when a file is parsed, never at start: zod and the schema built with it
 * cost some 0.15 s of CPU, and a command run without a config file (a cron job's validate or report)
 * has no use for them (docs/performance.md, Round 15). The CLI loads it before the command runs when
 * a file may be read (preloadConfigSchema); anything else requires it on first use (Node >= 20.19
 * loads an ES module synchronously with require).
 */
let schemaModule: typeof Schema | undefined;

export async function preloadConfigSchema(): Promise<void> {
  schemaModule ??= await import('./schema.js');
}

function configSchema(): typeof Schema.configSchema {
  schemaModule ??= createRequire(import.meta.url)('./schema.js') as typeof Schema;
  return schemaModule.configSchema;
}

/** Whether a command line may read a config file (--config, CLAUDE_INGEST_CONFIG, or a default name in cwd): the CLI then loads the schema first. */
export function mayReadConfigFile(args: readonly string[], env: Env, cwd = process.cwd()): boolean {
  if (args.some((a) => a === '--config' || a.startsWith('--config='))) return true;
  if (env.CLAUDE_INGEST_CONFIG?.trim()) return true;
  return DEFAULT_CONFIG_NAMES.some((name) => existsSync(resolve(cwd, name)));
}

/** What the schema gives an empty file (every key is optional and has no default): test/config/load.test.ts holds the two equal. */
function emptyConfig(): ConfigFile {
  return {};
}

export function loadConfig(option: string | undefined, env: Env, cwd = process.cwd()): LoadedConfig {
  const path = findConfigFile(option, env, cwd);
  if (path === null) return { path: null, config: emptyConfig(), secrets: [], warnings: [] };
  const ext = extname(path).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) {
    throw new ConfigFileError([`${path}: the config file must end in .yaml, .yml or .json (got "${ext || 'no extension'}")`]);
  }
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_CONFIG_BYTES) {
      throw new ConfigFileError([`${path} is ${size.toLocaleString('en-US')} bytes, more than a config file may hold (${MAX_CONFIG_BYTES.toLocaleString('en-US')}): point --config at claude-ingest.yaml`]);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigFileError) throw err;
    throw new ConfigFileError([`${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}): check the path and its permissions`]);
  }
  return parseConfigText(text, path, env);
}

/** YAML is a superset of JSON, so one parser reads both and reports positions for both. */
// The YAML parser (CommonJS, some 60 modules) is loaded when there is a file to parse: a command run
// without a config file does not pay its ~70 ms of CPU at start.
let yamlModule: typeof Yaml | undefined;
const yaml = () => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

export function parseConfigText(text: string, path: string, env: Env): LoadedConfig {
  const { LineCounter, parseDocument } = yaml();
  if (text.length > MAX_CONFIG_BYTES) {
    throw new ConfigFileError([`${path} is ${text.length.toLocaleString('en-US')} characters, more than a config file may hold (${MAX_CONFIG_BYTES.toLocaleString('en-US')})`]);
  }
  const lines = new LineCounter();
  const at = (offset: number | undefined) => (offset === undefined ? path : `${path}:${lines.linePos(offset).line}`);
  let doc: Document;
  let raw: unknown;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new ConfigFileError(doc.errors.slice(0, 5).map((e) => `${at(e.pos[0])}: not valid YAML: ${firstLine(e.message)}`));
    }
    raw = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {};
  } catch (err) {
    if (err instanceof ConfigFileError) throw err;
    // The parser's own limits (alias expansion, nesting): still the file's problem, still one line.
    const why = /alias/i.test(String((err as Error)?.message)) ? `more than ${MAX_YAML_ALIASES} alias expansions (a YAML alias bomb?): write the values out` : firstLine(String((err as Error)?.message ?? err));
    throw new ConfigFileError([`${path}: not valid YAML: ${why}`]);
  }
  const warnings = literalKeyWarnings(raw, (p) => at(nodeOffset(doc, p)));
  const secrets: string[] = [];
  const envProblems: string[] = [];
  const resolved = resolveEnvRefs(raw, [], env, secrets, (p, msg) => envProblems.push(`${at(nodeOffset(doc, p))}: ${keyPath(p)}: ${msg}`));
  if (envProblems.length > 0) throw new ConfigFileError(envProblems);
  const parsed = configSchema().safeParse(resolved);
  if (!parsed.success) {
    throw new ConfigFileError(parsed.error.issues.map((i) => `${at(nodeOffset(doc, i.path as PathPart[]))}: ${describeIssue(i, secrets)}`));
  }
  return { path, config: parsed.data, secrets: [...new Set(secrets)].filter((s) => s.length > 0), warnings };
}

/**
 * An admin key written into the file itself works, but the file then is a secret (backups, version
 * control, the support ticket it gets pasted into): a WARNING says where, never the key.
 */
function literalKeyWarnings(raw: unknown, at: (p: PathPart[]) => string): string[] {
  const out: string[] = [];
  const walk = (v: unknown, p: PathPart[]) => {
    if (typeof v === 'string') {
      const literal = !v.includes('${') && (p[p.length - 1] === 'admin_key' || /^sk-ant-admin/.test(v.trim()));
      if (literal) out.push(`${at(p)}: ${keyPath(p)} holds an admin key itself: use "\${ANTHROPIC_ADMIN_KEY_…}" or admin_key_file, and keep the key out of the file`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(raw, []);
  return out;
}

const ENV_REF = /\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function resolveEnvRefs(value: unknown, path: PathPart[], env: Env, secrets: string[], problem: (p: PathPart[], msg: string) => void): unknown {
  if (typeof value === 'string') {
    // "$${" stays a literal "${" for the rare value that needs one.
    return value
      .split('$${')
      .map((part) =>
        part.replace(ENV_REF, (_m, name: string) => {
          if (!ENV_NAME.test(name)) {
            problem(path, `"\${${name}}" is not an environment variable reference: use \${NAME} with letters, digits and _`);
            return '';
          }
          const v = env[name];
          if (v === undefined || v === '') {
            problem(path, `the environment variable ${name} is not set (or empty): set it, e.g. from Secret Manager`);
            return '';
          }
          secrets.push(v);
          return v;
        }),
      )
      .join('${');
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvRefs(v, [...path, i], env, secrets, problem));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnvRefs(v, [...path, k], env, secrets, problem)]));
  }
  return value;
}

/** Offset of the deepest node of the path that exists in the document (a missing key points at its parent). */
function nodeOffset(doc: Document, path: PathPart[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (yaml().isNode(node) && node.range) return node.range[0];
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue, secrets: string[]): string {
  if (issue.code === 'invalid_union') {
    // The branch whose type matched explains the problem better than "expected boolean or object".
    const matched = issue.errors.find((branch) => !(branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0));
    if (matched?.[0]) return describeIssue({ ...matched[0], path: [...issue.path, ...matched[0].path] } as z.core.$ZodIssue, secrets);
  }
  const where = keyPath(issue.path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: check the spelling (see docs/config.schema.json)`;
  else if (issue.code === 'invalid_type') message = `expected ${issue.expected}${receivedOf(issue)}`;
  else if (issue.code === 'invalid_union') message = `expected ${unionExpectation(issue)}`;
  else if (issue.code === 'invalid_format' && issue.format === 'url') message = 'expected a URL such as https://example.com/hook';
  else if (issue.code === 'invalid_format' && issue.format === 'email') message = 'expected an email address';
  else message = message.replace(/^Invalid input: /, '');
  // A value read from the environment may be a secret, and zod messages can quote input.
  for (const s of secrets) message = message.split(s).join('[redacted]');
  return `${where}: ${message}`;
}

function receivedOf(issue: z.core.$ZodIssue): string {
  const m = /received (\w+)/.exec(issue.message);
  return m ? `, got ${m[1] === 'undefined' ? 'nothing' : m[1]}` : '';
}

function unionExpectation(issue: z.core.$ZodIssue & { code: 'invalid_union' }): string {
  const expected = new Set<string>();
  for (const branch of issue.errors) for (const sub of branch) if (sub.code === 'invalid_type') expected.add(sub.expected);
  return expected.size > 0 ? [...expected].join(' or ') : 'a different value (see docs/config.schema.json)';
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
