/** alert_events: what was sent (or failed) per event and channel, so every event is delivered exactly once. */
import type { Warehouse } from '../warehouse/warehouse.js';
import type { AlertEvent } from './types.js';

export interface RecordedAlert {
  eventKey: string;
  channel: string;
  status: 'sent' | 'failed';
  attempts: number;
  firstAttemptAt: string;
  sentAt: string | null;
  /** The event as evaluated when first attempted: a failed one is retried from this. */
  event: AlertEvent | null;
}

export const recordKey = (eventKey: string, channel: string) => `${eventKey}\u0000${channel}`;

/** Every recorded row; an absent table (a read-only open of a warehouse from before alerts) is empty. */
export async function loadRecorded(wh: Warehouse): Promise<Map<string, RecordedAlert>> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  let rows;
  try {
    rows = await wh.query(
      `SELECT ${['event_key', 'channel', 'status', 'attempts', 'figures'].map(i).join(', ')}, ${d.toText(i('first_attempt_at'))} AS ${i('first_attempt_at')}, ${d.toText(i('sent_at'))} AS ${i('sent_at')} FROM ${d.table('alert_events')}`,
    );
  } catch (err) {
    if (/alert_events/.test((err as Error).message)) return new Map();
    throw err;
  }
  const out = new Map<string, RecordedAlert>();
  for (const r of rows) {
    let event: AlertEvent | null;
    try {
      event = (JSON.parse(String(r.figures)) as { event?: AlertEvent }).event ?? null;
    } catch {
      event = null;
    }
    const rec: RecordedAlert = {
      eventKey: String(r.event_key),
      channel: String(r.channel),
      status: r.status === 'sent' ? 'sent' : 'failed',
      attempts: Number(r.attempts),
      firstAttemptAt: String(r.first_attempt_at),
      sentAt: r.sent_at === null ? null : String(r.sent_at),
      event,
    };
    out.set(recordKey(rec.eventKey, rec.channel), rec);
  }
  return out;
}

export async function recordAttempt(
  wh: Warehouse,
  e: AlertEvent,
  channel: string,
  previous: RecordedAlert | undefined,
  outcome: { ok: true } | { ok: false; error: string },
  now: string,
  /** The warehouse's organization when it holds one; null for alerts over several together. */
  organizationId: string | null = null,
): Promise<void> {
  await wh.upsertLedgerRow('alert_events', {
    event_key: e.key,
    channel,
    organization_id: organizationId,
    rule: e.rule,
    subject: e.subject,
    period: e.period,
    level: e.level,
    title: e.title,
    figures: JSON.stringify({ figures: e.figures, event: e }),
    status: outcome.ok ? 'sent' : 'failed',
    attempts: (previous?.attempts ?? 0) + 1,
    error: outcome.ok ? null : outcome.error,
    first_attempt_at: previous?.firstAttemptAt ? toIso(previous.firstAttemptAt) : now,
    sent_at: outcome.ok ? now : null,
    updated_at: now,
  });
}

/** A warehouse's timestamp text ("2026-11-24 10:00:00" or ISO) back to ISO. */
function toIso(text: string): string {
  const t = Date.parse(text.includes('T') ? text : `${text.replace(' ', 'T')}Z`);
  return Number.isNaN(t) ? new Date().toISOString() : new Date(t).toISOString();
}
