/**
 * alert_events: what was sent (or failed) per event and channel. A delivery is recorded as
 * `sending` before it is attempted, so an attempt a crash cut short is known afterwards: a webhook
 * sends it again (same X-Claude-Ingest-Event id, receivers deduplicate), Slack and email mark it
 * `uncertain` and never send it twice.
 */
import type { Warehouse } from '../warehouse/warehouse.js';
import type { AlertEvent } from './types.js';

export interface RecordedAlert {
  eventKey: string;
  channel: string;
  status: AlertStatus;
  attempts: number;
  firstAttemptAt: string;
  sentAt: string | null;
  /** The event as evaluated when first attempted: a failed one is retried from this. */
  event: AlertEvent | null;
}

export type AlertStatus = 'sending' | 'sent' | 'failed' | 'uncertain';
const STATUSES: readonly string[] = ['sending', 'sent', 'failed', 'uncertain'];

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
      status: STATUSES.includes(String(r.status)) ? (r.status as AlertStatus) : 'failed',
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
  /** `sending` starts an attempt (counted); the others close it. */
  outcome: { status: 'sending' | 'sent' } | { status: 'failed' | 'uncertain'; error: string },
  now: string,
  /** The warehouse's organization when it holds one; null for alerts over several together. */
  organizationId: string | null = null,
): Promise<RecordedAlert> {
  const attempts = (previous?.attempts ?? 0) + (outcome.status === 'sending' ? 1 : 0);
  const firstAttemptAt = previous?.firstAttemptAt ? toIso(previous.firstAttemptAt) : now;
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
    status: outcome.status,
    attempts,
    error: 'error' in outcome ? outcome.error : null,
    first_attempt_at: firstAttemptAt,
    sent_at: outcome.status === 'sent' ? now : null,
    updated_at: now,
  });
  return { eventKey: e.key, channel, status: outcome.status, attempts, firstAttemptAt, sentAt: outcome.status === 'sent' ? now : null, event: e };
}

/** A warehouse's timestamp text ("2026-11-24 10:00:00" or ISO) back to ISO. */
function toIso(text: string): string {
  const t = Date.parse(text.includes('T') ? text : `${text.replace(' ', 'T')}Z`);
  return Number.isNaN(t) ? new Date().toISOString() : new Date(t).toISOString();
}
