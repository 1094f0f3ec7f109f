/**
 * From evaluated events to deliveries: per channel, what has not been sent yet, escalation-aware, each
 * attempt recorded in alert_events before it is made (`sending`) and after. A failing channel never
 * holds up another (they run side by side), and its failed events are retried by the next run from
 * the stored event. An attempt a crash cut short (`sending` found by the next run): a webhook is sent
 * again with the same event id; Slack and email are not (they cannot deduplicate) and are reported
 * as possibly undelivered instead.
 */
import { warehouseOrganizations } from '../reports/organizations.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { eventId, type Channel } from './channels.js';
import type { RenderContext } from './render.js';
import { loadRecorded, recordAttempt, recordKey, type RecordedAlert } from './store.js';
import type { AlertEvent } from './types.js';

/**
 * `uncertain`: found now, an attempt a crash cut short on a channel that cannot deduplicate (Slack,
 * email): it may not have been delivered and is not sent again. `unconfirmed`: the same, reported
 * by an earlier run.
 */
export type DeliveryStatus = 'sent' | 'failed' | 'already_sent' | 'superseded' | 'would_send' | 'uncertain' | 'unconfirmed';

export interface Delivery {
  event: AlertEvent;
  channel: string;
  status: DeliveryStatus;
  error?: string;
}

export interface DispatchOptions {
  dryRun: boolean;
  render: RenderContext;
  /** Every value read from the environment: scrubbed from recorded and printed errors. */
  secrets: string[];
  now?: () => string;
}

/** Evaluated events plus failed ones recorded earlier that this run did not produce again. */
export function candidates(events: AlertEvent[], recorded: Map<string, RecordedAlert>): AlertEvent[] {
  const byKey = new Map(events.map((e) => [e.key, e]));
  for (const r of recorded.values()) if ((r.status === 'failed' || r.status === 'sending') && r.event && !byKey.has(r.eventKey)) byKey.set(r.eventKey, r.event);
  return [...byKey.values()];
}

export async function dispatch(wh: Warehouse, events: AlertEvent[], channels: Channel[], o: DispatchOptions): Promise<Delivery[]> {
  const recorded = await loadRecorded(wh);
  // Rules judge the whole warehouse: an alert belongs to an organization when the warehouse holds one.
  const orgs = await warehouseOrganizations(wh);
  const organizationId = orgs.length === 1 ? orgs[0]!.id : null;
  const all = candidates(events, recorded);
  const scrub = (t: string) => o.secrets.reduce((acc, s) => (s ? acc.split(s).join('[redacted]') : acc), t);
  const now = o.now ?? (() => new Date().toISOString());
  const perChannel = await Promise.all(
    channels.map(async (ch) => {
      const out: Delivery[] = [];
      for (const e of all) {
        const prev = recorded.get(recordKey(e.key, ch.id));
        if (prev?.status === 'sent') {
          out.push({ event: e, channel: ch.label, status: 'already_sent' });
          continue;
        }
        if (prev?.status === 'uncertain') {
          out.push({ event: e, channel: ch.label, status: 'unconfirmed' });
          continue;
        }
        if (prev?.status === 'sending' && ch.kind !== 'webhook' && !o.dryRun) {
          const error = `may not have been delivered: the attempt of ${prev.firstAttemptAt} was cut short before its answer was recorded (the process ended); ${ch.kind} cannot drop a duplicate, so it is not sent again: check the channel`;
          await recordAttempt(wh, e, ch.id, prev, { status: 'uncertain', error }, now(), organizationId);
          out.push({ event: e, channel: ch.label, status: 'uncertain', error });
          continue;
        }
        // Escalation: an event is moot once a higher (or equal) level of its group was sent or is about to be.
        const higherSent = [...recorded.values()].some((r) => r.channel === ch.id && r.status === 'sent' && r.event?.group === e.group && r.event.rank >= e.rank);
        const higherNow = all.some((x) => x.group === e.group && x.rank > e.rank);
        if (higherSent || higherNow) {
          out.push({ event: e, channel: ch.label, status: 'superseded' });
          continue;
        }
        if (o.dryRun) {
          out.push({ event: e, channel: ch.label, status: 'would_send' });
          continue;
        }
        // Recorded before the attempt: a crash from here on leaves `sending`, which the next run sees.
        const attempt = await recordAttempt(wh, e, ch.id, prev, { status: 'sending' }, now(), organizationId);
        try {
          await ch.send(e, o.render, eventId(e.key, ch.id));
          await recordAttempt(wh, e, ch.id, attempt, { status: 'sent' }, now(), organizationId);
          out.push({ event: e, channel: ch.label, status: 'sent' });
        } catch (err) {
          const error = scrub(err instanceof Error ? err.message : String(err));
          await recordAttempt(wh, e, ch.id, attempt, { status: 'failed', error }, now(), organizationId);
          out.push({ event: e, channel: ch.label, status: 'failed', error });
        }
      }
      return out;
    }),
  );
  return perChannel.flat();
}
