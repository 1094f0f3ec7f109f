/**
 * Checks on the base URL and admin key, done before any connection or DNS lookup: the key must never
 * leave the machine in clear text, and a malformed key should fail with advice, not an opaque header error.
 */
import { isIPv4 } from 'node:net';
import { ConfigError } from './errors.js';

const KEY_HINT =
  'set ANTHROPIC_ADMIN_KEY (or ANTHROPIC_ADMIN_API_KEY / ANTHROPIC_ADMIN_KEY_FILE) to an Admin API key (sk-ant-admin…), or another key the Admin API accepts (an OAuth token with org:admin, a service-account key, a read:analytics key)';

/**
 * Anything shaped like an Anthropic key, so a key pasted into the wrong setting is not echoed back.
 * The bare prefixes "sk-ant-admin" and "sk-ant-api" (as our own messages name them) are not keys.
 */
const KEY_LIKE = /sk-ant-(?!(?:admin|api)(?![A-Za-z0-9_-]))[A-Za-z0-9_-]+/g;

/** Removes `key` (and anything that looks like an Anthropic key) from text meant for users or logs. */
export function redactKey(text: string, key?: string): string {
  let out = text;
  const k = key?.trim();
  // Very short "keys" would blank out ordinary words; those cannot pass checkAdminKey anyway.
  if (k && k.length >= 8) out = out.split(k).join('[redacted key]');
  return out.replace(KEY_LIKE, '[redacted key]');
}

function isLoopbackHost(hostname: string): boolean {
  // WHATWG URL already canonicalises IPv4 forms (127.1, 0x7f.0.0.1) and brackets IPv6.
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return isIPv4(hostname) && hostname.startsWith('127.');
}

/**
 * Parses and vets the Admin API base URL. https anywhere; http only to a loopback literal (the
 * emulator, a local proxy). Never resolves the host: a decision based on DNS could be spoofed.
 */
export function checkBaseUrl(raw: string): URL {
  const text = redactKey(raw.trim());
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`the Admin API base URL "${text}" is not a URL: set ANTHROPIC_BASE_URL to e.g. https://api.anthropic.com`);
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      throw new ConfigError(
        `refusing to send the admin key in clear text to ${url.protocol}//${url.host}: use https, or http only for 127.0.0.1/localhost`,
      );
    }
  } else if (url.protocol !== 'https:') {
    throw new ConfigError(`the Admin API base URL must use https (got ${url.protocol.replace(/:$/, '')}): set ANTHROPIC_BASE_URL to e.g. https://api.anthropic.com`);
  }
  if (url.username || url.password) {
    throw new ConfigError('the Admin API base URL must not contain a user name or password: the admin key is sent in the x-api-key header');
  }
  if (url.search || url.hash) {
    throw new ConfigError(`the Admin API base URL must not contain a query or fragment: use just the origin, e.g. https://api.anthropic.com`);
  }
  return url;
}

/**
 * Validates the key's presence and form without ever echoing it; returns it trimmed. Its kind is
 * not judged by its prefix: the API accepts Admin API keys (sk-ant-admin…), OAuth tokens with
 * org:admin, service-account and personal keys not scoped to a workspace, and (Analytics API only)
 * read:analytics keys. What a key may read is learned from the answers (401/403 per endpoint).
 */
export function checkAdminKey(key: string | undefined): string {
  const k = key?.trim();
  if (!k) throw new ConfigError(KEY_HINT);
  // A key read from a file with stray characters would otherwise fail as an opaque header error.
  if (!/^[\x21-\x7e]+$/.test(k)) {
    throw new ConfigError(`the configured key contains spaces or non-ASCII characters: ${KEY_HINT}`);
  }
  return k;
}
