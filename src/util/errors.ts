/**
 * One base class for every error claude-ingest expects: it carries what the CLI exits with and what the
 * dashboard answers with, so both map an error with one lookup instead of an `instanceof` chain each.
 * Anything that is not an AppError is a bug and is reported as "unexpected error".
 */

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

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** HTTP statuses the dashboard answers errors with. */
export const HTTP = {
  badRequest: 400,
  internal: 500,
  badGateway: 502,
  unavailable: 503,
} as const;

export abstract class AppError extends Error {
  /** What the CLI exits with when this error ends a command. */
  abstract readonly exitCode: ExitCode;
  /** What the dashboard answers with when this error ends a request. */
  abstract readonly httpStatus: number;
}

/** Bad input from the user (a flag, a day, a query parameter): exit 2, HTTP 400. */
export class InputError extends AppError {
  readonly exitCode: ExitCode = EXIT.usage;
  readonly httpStatus: number = HTTP.badRequest;
}

/** The exit code and HTTP status of any thrown value; undefined for one that is not ours (a bug). */
export function errorCodes(err: unknown): { exitCode: ExitCode; httpStatus: number } | undefined {
  return err instanceof AppError ? { exitCode: err.exitCode, httpStatus: err.httpStatus } : undefined;
}
