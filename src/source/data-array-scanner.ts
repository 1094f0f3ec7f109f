/**
 * Incremental splitter for paged Admin API bodies of the form `{"data":[item, item, …], …}`.
 *
 * A 31-day grouped cost or usage page of a large organisation is ~25 MB of JSON. Parsed whole it is
 * a 25 MB string plus an object tree several times that size, all alive until the page is done, and
 * a few workers hold such pages at once. This scanner walks the bytes as they arrive and hands back
 * the text of each element of the top-level `data` array as soon as its closing bracket is seen, so
 * the caller parses (JSON.parse) and processes one bucket at a time and the rest of the page is never
 * in memory. Everything else at the top level (has_more, next_page, unknown fields) is kept as text
 * with `data` emptied, and parsed at the end as the "envelope".
 *
 * It only finds boundaries (depth, strings, escapes); JSON.parse of each element and of the envelope
 * does the real validation, so malformed input is still rejected as invalid JSON. Scanning bytes is
 * safe for UTF-8: every byte of a multi-byte character is ≥ 0x80, so it is never mistaken for a quote,
 * backslash or bracket.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** The key whose array is streamed, as bytes (an escaped spelling is simply not streamed, see below). */
const DATA_KEY = Buffer.from('data');

export class MalformedJsonError extends Error {
  override name = 'MalformedJsonError';
}

/**
 * The longest string (in bytes as sent) an API answer may hold: ids, names and descriptions are far
 * shorter. A longer one fails the window at once, before it is held in memory whole.
 */
export const MAX_API_STRING_BYTES = 64 * 1024;

/** A string in an API answer longer than MAX_API_STRING_BYTES; `where` names the element and field. */
export class OversizeStringError extends Error {
  override name = 'OversizeStringError';
  constructor(
    readonly where: string,
    readonly bytes: number,
    /** The string was still arriving: `bytes` is how much of it had come. */
    partial = false,
  ) {
    super(`a string of ${partial ? 'at least ' : ''}${bytes.toLocaleString('en-US')} bytes, more than the ${MAX_API_STRING_BYTES.toLocaleString('en-US')} a field may hold`);
  }
}

/**
 * The first string in `value` longer than MAX_API_STRING_BYTES, as an error naming its path; null when none.
 *
 * Every whole body over 64 KB is walked (each Analytics API page is), so the walk allocates nothing
 * while it finds nothing: no key arrays, no path text. The path is built only on the way back from a
 * hit. (Building `data[3].name` for every node made this walk a third of a daily run's allocations.)
 */
export function findOversizeString(value: unknown): OversizeStringError | null {
  const path: Array<string | number> = [];
  const bytes = oversizeBytes(value, path);
  if (bytes === 0) return null;
  let where = '';
  for (let i = path.length - 1; i >= 0; i--) {
    const step = path[i]!;
    where = typeof step === 'number' ? `${where}[${step}]` : where ? `${where}.${step}` : step;
  }
  return new OversizeStringError(where || '(body)', bytes);
}

/** Bytes of the first oversize string under `value` (0: none); its path is pushed innermost first. */
function oversizeBytes(value: unknown, path: Array<string | number>): number {
  if (typeof value === 'string') {
    // A UTF-16 unit is at most 3 bytes of UTF-8: shorter strings need no byte count.
    if (value.length * 3 <= MAX_API_STRING_BYTES) return 0;
    const bytes = Buffer.byteLength(value);
    return bytes > MAX_API_STRING_BYTES ? bytes : 0;
  }
  if (value === null || typeof value !== 'object') return 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bytes = oversizeBytes(value[i], path);
      if (bytes > 0) {
        path.push(i);
        return bytes;
      }
    }
    return 0;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const bytes = oversizeBytes(record[key], path);
    if (bytes > 0) {
      path.push(key);
      return bytes;
    }
  }
  return 0;
}

/** Where the scanner is relative to the top-level `data` array. */
const enum Phase {
  /** Outside `data`: bytes go to the envelope. */
  Envelope,
  /** Just read `"data":` at depth 1; the next non-blank byte decides whether it is an array. */
  AfterDataColon,
  /** Inside the `data` array, between elements. */
  BetweenItems,
  /** Inside one element of `data`. */
  InItem,
}

export class DataArrayScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private phase = Phase.Envelope;
  /** At depth 1: the next string is a key (after `{` or `,`), not a value (after `:`). */
  private expectKey = false;
  /** Bytes of the current depth-1 key while it is read (keys are short). */
  private keyParts: Buffer[] | null = null;
  private lastKeyIsData = false;
  private rootClosed = false;
  private sawDataArray = false;
  private envelopeParts: Buffer[] = [];
  private itemParts: Uint8Array[] = [];
  private items = 0;
  /** Bytes of the body before the current chunk, and where the open string's text began (absolute). */
  private offset = 0;
  private stringStart = 0;
  /** The last short string closed (a key, usually) and the one before the open string: its field name. */
  private shortChunk: Uint8Array | null = null;
  private shortFrom = 0;
  private shortTo = 0;
  private fieldChunk: Uint8Array | null = null;
  private fieldFrom = 0;
  private fieldTo = 0;

  private openString(i: number): void {
    this.inString = true;
    this.stringStart = this.offset + i + 1;
    this.fieldChunk = this.shortChunk;
    this.fieldFrom = this.shortFrom;
    this.fieldTo = this.shortTo;
  }

  private oversize(bytes: number, partial = false): OversizeStringError {
    const field = this.fieldChunk ? Buffer.from(this.fieldChunk.subarray(this.fieldFrom, this.fieldTo)).toString('utf8') : '';
    // Only the nearest field name is known here (the scanner keeps no path): "data[3].….description".
    const item = this.phase === Phase.InItem ? `data[${this.items}]` : '';
    const where = item ? (field ? `${item}.….${field}` : item) : field || '(body)';
    return new OversizeStringError(where, bytes, partial);
  }

  /** Feeds the next chunk; returns the text of every `data` element completed in it, in order. */
  push(chunk: Uint8Array): string[] {
    const out: string[] = [];
    const n = chunk.length;
    // Start of the pending slice of this chunk that belongs to the envelope or the current item.
    let from = 0;
    for (let i = 0; i < n; i++) {
      const b = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          const len = this.offset + i - this.stringStart;
          if (len > MAX_API_STRING_BYTES) throw this.oversize(len);
          if (len <= 64 && this.stringStart >= this.offset) {
            this.shortChunk = chunk;
            this.shortFrom = this.stringStart - this.offset;
            this.shortTo = i;
          }
          if (this.keyParts) {
            this.keyParts.push(Buffer.from(chunk.subarray(from, i)));
            const key = Buffer.concat(this.keyParts);
            this.keyParts = null;
            // `from` still points at the opening quote's successor; the key bytes stay in the envelope too.
            this.lastKeyIsData = key.equals(DATA_KEY);
            this.envelopeParts.push(Buffer.from('"'), key);
            from = i;
          }
        }
        continue;
      }
      if (this.rootClosed) {
        if (!isBlank(b)) throw new MalformedJsonError('unexpected bytes after the end of the JSON body');
        continue;
      }
      switch (this.phase) {
        case Phase.InItem:
          if (b === QUOTE) this.openString(i);
          else if (b === OPEN_OBJ || b === OPEN_ARR) this.depth++;
          else if ((b === COMMA && this.depth === 2) || ((b === CLOSE_ARR || b === CLOSE_OBJ) && this.depth === 2)) {
            // The element ends just before this byte (a `,` or the array's `]`).
            if (b === CLOSE_OBJ) throw new MalformedJsonError('unbalanced "}" in the data array');
            this.itemParts.push(chunk.subarray(from, i));
            out.push(this.takeItem());
            if (b === CLOSE_ARR) {
              this.depth--;
              this.phase = Phase.Envelope;
              this.envelopeParts.push(Buffer.from(']'));
            } else {
              this.phase = Phase.BetweenItems;
            }
            from = i + 1;
          } else if (b === CLOSE_OBJ || b === CLOSE_ARR) this.depth--;
          break;
        case Phase.BetweenItems:
          if (b === CLOSE_ARR) {
            if (this.items > 0) throw new MalformedJsonError('a "," before "]" in the data array');
            this.depth--;
            this.phase = Phase.Envelope;
            from = i; // the `]` goes to the envelope
          } else if (!isBlank(b)) {
            this.phase = Phase.InItem;
            from = i;
            i--; // re-read this byte as the element's first
          }
          break;
        case Phase.AfterDataColon:
          if (isBlank(b)) break;
          if (b === OPEN_ARR) {
            // Envelope keeps `"data":[`; elements are cut out; `]` is appended when the array closes.
            this.envelopeParts.push(Buffer.from(chunk.subarray(from, i + 1)));
            this.depth++;
            this.sawDataArray = true;
            this.phase = Phase.BetweenItems;
            from = i + 1;
            break;
          }
          // Not an array: leave it in the envelope, where validation reports it.
          this.phase = Phase.Envelope;
          i--;
          break;
        case Phase.Envelope:
          if (b === QUOTE) {
            this.openString(i);
            if (this.depth === 1 && this.expectKey) {
              this.envelopeParts.push(Buffer.from(chunk.subarray(from, i)));
              this.keyParts = [];
              from = i + 1;
            }
          } else if (b === OPEN_OBJ || b === OPEN_ARR) {
            this.depth++;
            if (this.depth === 1) this.expectKey = b === OPEN_OBJ;
          } else if (b === CLOSE_OBJ || b === CLOSE_ARR) {
            this.depth--;
            if (this.depth === 0) this.rootClosed = true;
            if (this.depth < 0) throw new MalformedJsonError('unbalanced brackets');
          } else if (this.depth === 1 && b === COMMA) {
            this.expectKey = true;
            this.lastKeyIsData = false;
          } else if (this.depth === 1 && b === COLON) {
            this.expectKey = false;
            // Only the first `data` array is streamed; a second one (invalid anyway) stays in the envelope.
            if (this.lastKeyIsData && !this.sawDataArray) {
              this.envelopeParts.push(Buffer.from(chunk.subarray(from, i + 1)));
              from = i + 1;
              this.phase = Phase.AfterDataColon;
            }
          }
          break;
      }
    }
    // A string still open at the end of the chunk is not kept growing past the limit.
    if (this.inString && this.offset + n - this.stringStart > MAX_API_STRING_BYTES) throw this.oversize(this.offset + n - this.stringStart, true);
    this.offset += n;
    // Keep the unfinished tail of this chunk for the element or envelope it belongs to.
    if (this.keyParts) this.keyParts.push(Buffer.from(chunk.subarray(from)));
    else if (this.phase === Phase.InItem) this.itemParts.push(chunk.subarray(from));
    else if (from < n && (this.phase === Phase.Envelope || this.phase === Phase.AfterDataColon)) {
      this.envelopeParts.push(Buffer.from(chunk.subarray(from)));
    }
    return out;
  }

  /**
   * Call after the last chunk: the top-level object with `data` emptied (`"data":[]`), parsed, and
   * whether a `data` array was streamed. Throws MalformedJsonError for a cut-off or invalid body.
   */
  end(): { envelope: unknown; streamedItems: number; sawDataArray: boolean } {
    if (!this.rootClosed || this.inString || this.depth !== 0) throw new MalformedJsonError('the JSON body ended early');
    const text = Buffer.concat(this.envelopeParts).toString('utf8');
    this.envelopeParts = [];
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch (err) {
      throw new MalformedJsonError(err instanceof Error ? err.message : String(err));
    }
    return { envelope, streamedItems: this.items, sawDataArray: this.sawDataArray };
  }

  private takeItem(): string {
    const parts = this.itemParts;
    this.itemParts = [];
    this.items++;
    const text = (parts.length === 1 ? Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength) : Buffer.concat(parts)).toString('utf8');
    return text;
  }
}

function isBlank(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}
