import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminApiClient, ConfigError, checkAdminKey, checkBaseUrl, redactKey } from '../../src/source/index.js';
import { TEST_KEY } from './helpers.js';

describe('checkBaseUrl', () => {
  it.each([
    'https://api.anthropic.com',
    'https://proxy.example.com/anthropic/',
    'http://127.0.0.1:8080',
    'http://127.8.9.10',
    'http://localhost:3000',
    'http://[::1]:9000',
  ])('accepts %s', (url) => {
    expect(checkBaseUrl(url)).toBeInstanceOf(URL);
  });

  it.each([
    ['http://example.com', 'refusing to send the admin key in clear text to http://example.com: use https, or http only for 127.0.0.1/localhost'],
    ['http://10.0.0.1', 'clear text to http://10.0.0.1'],
    ['http://nonexistent.invalid', 'clear text to http://nonexistent.invalid'],
    ['http://127.0.0.1.example.com', 'clear text'],
    ['http://localhost.evil.com', 'clear text'],
    ['ftp://api.anthropic.com', 'must use https (got ftp)'],
    ['not a url', 'is not a URL'],
    ['', 'is not a URL'],
    ['https://user:pw@api.anthropic.com', 'user name or password'],
    ['https://api.anthropic.com/?x=1', 'query or fragment'],
  ])('refuses %s', (url, message) => {
    expect(() => checkBaseUrl(url)).toThrow(ConfigError);
    expect(() => checkBaseUrl(url)).toThrow(message);
  });

  it('does not echo a key pasted into the URL setting', () => {
    const err = (() => {
      try {
        checkBaseUrl(`${TEST_KEY} oops`);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).not.toContain(TEST_KEY);
  });
});

describe('AdminApiClient refuses a bad base URL before any connection or DNS lookup', () => {
  afterEach(() => vi.restoreAllMocks());

  it('throws ConfigError synchronously from the constructor and never calls fetch', () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    // .invalid can never resolve: if the client tried DNS it would fail differently (ENOTFOUND) and later.
    for (const baseUrl of ['http://nonexistent.invalid', 'http://example.com', 'http://10.0.0.1']) {
      expect(() => new AdminApiClient({ baseUrl, apiKey: TEST_KEY })).toThrow(ConfigError);
    }
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('checks the key in the constructor too', () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    expect(() => new AdminApiClient({ baseUrl: 'https://api.anthropic.com', apiKey: '' })).toThrow(/set ANTHROPIC_ADMIN_KEY/);
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('checkAdminKey', () => {
  it('explains a missing key', () => {
    expect(() => checkAdminKey(undefined)).toThrow(
      'set ANTHROPIC_ADMIN_KEY (or ANTHROPIC_ADMIN_API_KEY / ANTHROPIC_ADMIN_KEY_FILE) to an Admin API key (sk-ant-admin…), or another key the Admin API accepts',
    );
    expect(() => checkAdminKey('   \n')).toThrow(ConfigError);
  });

  it('accepts any key the API may accept: its kind is learned from the answers, not the prefix', () => {
    // An Admin API key, an OAuth token with org:admin, a service-account key, a read:analytics key.
    for (const key of [TEST_KEY, 'sk-ant-oat01-abcdefghijklmnopqrstuvwxyz', 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789', 'opaque-token-0123456789']) {
      expect(checkAdminKey(key)).toBe(key);
    }
  });

  it('refuses a malformed key without echoing it', () => {
    const key = 'sk-ant-api03-abcdefghij klmnopqrstuvwxyz';
    try {
      checkAdminKey(key);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toContain('spaces or non-ASCII');
      expect((e as Error).message).not.toContain('abcdefghij');
    }
  });

  it('trims a key read from a file and rejects inner whitespace', () => {
    expect(checkAdminKey(`  ${TEST_KEY}\n`)).toBe(TEST_KEY);
    expect(() => checkAdminKey('sk-ant-admin01 abc')).toThrow(/spaces or non-ASCII/);
  });
});

describe('redactKey', () => {
  it('removes the exact key and anything shaped like an Anthropic key', () => {
    const text = `failed with ${TEST_KEY} and sk-ant-api03-zzzz_yyy-xxx, then ${TEST_KEY}`;
    const out = redactKey(text, TEST_KEY);
    expect(out).not.toContain(TEST_KEY);
    expect(out).not.toContain('zzzz_yyy');
    expect(out).toBe('failed with [redacted key] and [redacted key], then [redacted key]');
  });

  it('removes a key that is not Anthropic-shaped when it is given', () => {
    expect(redactKey('token=abcdefgh12345 end', 'abcdefgh12345')).toBe('token=[redacted key] end');
  });
});
