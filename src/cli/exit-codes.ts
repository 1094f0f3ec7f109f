/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** The job ran but something failed: a window, a check. */
  failed: 1,
  /** Bad input or configuration: nothing was changed. */
  usage: 2,
  /** The warehouse is being written by another process. */
  busy: 3,
} as const;
