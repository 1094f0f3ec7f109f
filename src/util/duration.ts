/** A wait or a budget for people: "800 ms", "45 s", "10 min", "27 h", "3 d" (rounded to the unit shown). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'forever';
  const s = ms / 1000;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)} min`;
  if (s < 72 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
