import { describe, expect, it } from 'vitest';
import { parseResetHeader, parseRetryAfter } from '../../src/source/index.js';

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2025-06-01T00:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 31 May 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('parseResetHeader', () => {
  it('reads an RFC 3339 instant as epoch ms, and nothing from an empty or unreadable value', () => {
    expect(parseResetHeader('2025-06-01T00:00:30Z')).toBe(Date.parse('2025-06-01T00:00:30Z'));
    expect(parseResetHeader(' 2025-06-01T00:00:30.5Z ')).toBe(Date.parse('2025-06-01T00:00:30.5Z'));
    expect(parseResetHeader('')).toBeUndefined();
    expect(parseResetHeader(null)).toBeUndefined();
    expect(parseResetHeader('later')).toBeUndefined();
  });
});
