/** What a job reports while it runs; src/cli/reporter.ts renders these as a progress bar or JSON lines. */
import type { ClientEvent } from '../source/types.js';

export type JobEvent =
  | { type: 'plan'; windows: number; skippedDays: number; streams: string[]; from: string; to: string }
  | { type: 'window_start'; stream: string; from: string; to: string }
  | {
      type: 'window_ok';
      stream: string;
      from: string;
      to: string;
      rows: number;
      requests: number;
      retries: number;
      rateLimited: number;
      centsTotal: string | null;
    }
  | { type: 'window_failed'; stream: string; from: string; to: string; error: string; requests: number; rateLimited: number }
  | { type: 'client'; event: ClientEvent }
  | { type: 'info'; message: string }
  | { type: 'warning'; message: string };

export type EmitEvent = (e: JobEvent) => void;
