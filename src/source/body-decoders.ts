/**
 * How the client's request loop turns body chunks into JSON: item texts as they complete (parsed
 * one by one by the loop, so a 25 MB report page is never in memory whole) and the rest of the body
 * at the end. Both throw on a body that is not valid JSON, which the loop retries as invalid_json.
 */
import { DataArrayScanner, findOversizeString, MAX_API_STRING_BYTES } from './data-array-scanner.js';

export interface BodyDecoder {
  /** Feeds the next chunk; returns the text of each item completed in it. */
  push(chunk: Uint8Array): string[];
  /** After the last chunk: the body (for a paged body, without the items already handed out). */
  end(): unknown;
}

const NO_ITEMS: string[] = [];

/** The whole body as one value (small bodies: lists, Claude Code pages, error-free one-offs). */
export function wholeBody(): BodyDecoder {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  return {
    push(chunk) {
      chunks.push(chunk);
      bytes += chunk.length;
      return NO_ITEMS;
    },
    end: () => {
      // TextDecoder drops a byte-order mark, as Response.text() does.
      const value = JSON.parse(new TextDecoder().decode(Buffer.concat(chunks))) as unknown;
      // Only a body longer than the limit can hold a string longer than it.
      if (bytes > MAX_API_STRING_BYTES) {
        const oversize = findOversizeString(value);
        if (oversize) throw oversize;
      }
      return value;
    },
  };
}

/** The elements of a top-level `data` array as they arrive, then the envelope with `data` emptied. */
export function dataArrayItems(): BodyDecoder {
  const scanner = new DataArrayScanner();
  return {
    push: (chunk) => scanner.push(chunk),
    end: () => scanner.end().envelope,
  };
}
