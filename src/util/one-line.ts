/** Any text (an error body, a message from a library) as one line for a log or the ledger, at most `max` characters. */
export function oneLine(text: string, max = 300): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
