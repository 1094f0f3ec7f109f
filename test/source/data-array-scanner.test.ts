/** The byte-level splitter behind streamJson: same values as JSON.parse, whatever the chunking. */
import { describe, expect, it } from 'vitest';
import { DataArrayScanner, findOversizeString, MalformedJsonError, MAX_API_STRING_BYTES } from '../../src/source/data-array-scanner.js';

/** Splits `text` into chunks of the given sizes (cycled), feeds them and parses every element. */
function scan(text: string, sizes: number[] = [text.length || 1]) {
  const bytes = Buffer.from(text, 'utf8');
  const scanner = new DataArrayScanner();
  const items: unknown[] = [];
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    for (const t of scanner.push(new Uint8Array(bytes.subarray(at, at + size)))) items.push(JSON.parse(t));
    at += size;
  }
  return { items, ...scanner.end() };
}

/** What a streamed read must reproduce: the elements of data and the rest of the body. */
function expected(text: string) {
  const body = JSON.parse(text) as { data: unknown[] };
  return { items: body.data, envelope: { ...body, data: [] } };
}

const TRICKY = JSON.stringify({
  future_top_level_field: { data: [1, 2], note: 'a "data" key one level down is not the page' },
  data: [
    { starting_at: '2025-06-01T00:00:00Z', ending_at: '2025-06-02T00:00:00Z', results: [{ amount: '1.5', description: 'brackets ] } [ { and "quotes"' }] },
    { starting_at: '2025-06-02T00:00:00Z', ending_at: '2025-06-03T00:00:00Z', results: [], note: 'back\\slash \\" \u00e9\u4e2d\ud83d\ude00 ,:' },
    { starting_at: '2025-06-03T00:00:00Z', results: [{ nested: { data: [[], {}, [{}]] } }] },
  ],
  has_more: true,
  next_page: 'cur_"2"',
});

describe('DataArrayScanner', () => {
  it('yields every data element and the rest of the body, exactly as JSON.parse does, for any chunking', () => {
    const want = expected(TRICKY);
    for (const sizes of [[TRICKY.length], [1], [2], [3], [7], [64], [1, 5, 2, 13]]) {
      const got = scan(TRICKY, sizes);
      expect(got.items).toEqual(want.items);
      expect(got.envelope).toEqual(want.envelope);
      expect(got.sawDataArray).toBe(true);
    }
  });

  it('handles pretty-printed bodies, data after the other keys, and an empty data array', () => {
    const pretty = JSON.stringify({ has_more: false, next_page: null, data: [{ a: 1 }, 'x', 3, null, [1]] }, null, 2);
    expect(scan(pretty, [5])).toMatchObject(expected(pretty));
    const empty = '{ "data" : [ ] , "has_more": false }';
    expect(scan(empty, [1])).toMatchObject({ items: [], envelope: { data: [], has_more: false }, sawDataArray: true });
  });

  it('leaves a data value that is not an array, or an escaped spelling of the key, in the envelope', () => {
    expect(scan('{"data":{"a":[1]},"has_more":false}', [3])).toMatchObject({ items: [], envelope: { data: { a: [1] } }, sawDataArray: false });
    // Not streamed, but not lost either: the caller takes such elements from the envelope.
    expect(scan('{"d\\u0061ta":[{"a":1}],"has_more":false}', [2])).toMatchObject({ items: [], envelope: { data: [{ a: 1 }] } });
  });

  it('rejects a body that is cut off, has trailing bytes or broken separators', () => {
    const text = JSON.stringify({ data: [{ a: 1 }, { b: 2 }], has_more: false });
    expect(() => scan(text.slice(0, text.length - 1))).toThrow(MalformedJsonError);
    expect(() => scan(text.slice(0, 20))).toThrow(MalformedJsonError);
    expect(() => scan(`${text} x`)).toThrow(MalformedJsonError);
    expect(() => scan('{"data":[{"a":1},],"has_more":false}')).toThrow(MalformedJsonError);
    expect(() => scan('{"data":[{"a":1}}],"has_more":false}')).toThrow(MalformedJsonError);
    // An empty element is handed out as text that JSON.parse rejects (streamJson: invalid_json, retried).
    expect(() => scan('{"data":[{"a":1},,{"b":2}],"has_more":false}')).toThrow(SyntaxError);
    expect(() => scan('{"data":[],"has_more":fals}')).toThrow(MalformedJsonError);
  });
});

describe('findOversizeString (whole bodies)', () => {
  const big = 'x'.repeat(MAX_API_STRING_BYTES + 1);
  it('names the path of the first string over the limit, and passes everything else', () => {
    const body = { data: [{ a: 'ok', b: [1, null, true] }, { group: { list: ['y', big] } }], has_more: false };
    expect(findOversizeString(body)?.where).toBe('data[1].group.list[1]');
    expect(findOversizeString(body)?.bytes).toBe(MAX_API_STRING_BYTES + 1);
    expect(findOversizeString({ [big.slice(0, 3)]: { name: big } })?.where).toBe('xxx.name');
    expect(findOversizeString([[big]])?.where).toBe('[0][0]');
    expect(findOversizeString(big)?.where).toBe('(body)');
    // Exactly the limit passes; multi-byte text is counted in UTF-8 bytes.
    expect(findOversizeString({ data: ['y'.repeat(MAX_API_STRING_BYTES), 'é'.repeat(MAX_API_STRING_BYTES / 2)] })).toBeNull();
    expect(findOversizeString({ data: ['é'.repeat(MAX_API_STRING_BYTES / 2 + 1)] })?.where).toBe('data[0]');
    expect(findOversizeString(Object.create({ inherited: big }) as object)).toBeNull();
  });
});
