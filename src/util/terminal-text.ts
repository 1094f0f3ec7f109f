/**
 * Data shown on a terminal: control characters (C0, DEL, C1) and bidirectional overrides are
 * removed, so a name the API sent cannot move the cursor, clear the screen, retitle the window or
 * reorder what is shown. Line breaks and tabs become spaces. JSON and CSV outputs keep the data
 * exact instead (JSON escapes these characters; CSV is for files).
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const BREAKS = /[\t\n\r]/g;

/** One value (a table cell, a name in a line): no control characters, no line breaks. */
export function printable(text: string): string {
  return text.replace(CONTROLS, '').replace(BREAKS, ' ');
}

/** A block of lines: line breaks kept, every other control character removed. */
export function printableLines(text: string): string {
  return text.replace(CONTROLS, '').replace(/\r/g, '');
}
