/**
 * Delivery channels. Each attempt has a timeout; a 5xx, a 429, a timeout or a network error is
 * retried with backoff (util/retry.ts, a bounded number of tries), any other status is not (it will not
 * fix itself within a run). Only a 2xx counts as sent; redirects are never followed (the signed
 * body would go to another host); at most MAX_RESPONSE_BYTES of an answer are read. The destination
 * is checked before anything is sent (util/destination.ts). Error messages never carry the
 * destination URL or a secret: the caller also scrubs every value read from the environment.
 */
import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { createTransport } from 'nodemailer';
import type { NotifyConfig } from '../config/schema.js';
import { destinationProblem, guardedLookup, type Resolver } from '../util/destination.js';
import { AppError, EXIT, HTTP, type ExitCode } from '../util/errors.js';
import { NoRetry, retry } from '../util/retry.js';
import { renderEmail, renderSlack, renderWebhook, type RenderContext } from './render.js';
import type { AlertEvent } from './types.js';

export const SIGNATURE_HEADER = 'X-Claude-Ingest-Signature';
/** The same for every attempt at one event on one channel, across runs: receivers deduplicate by it. */
export const EVENT_HEADER = 'X-Claude-Ingest-Event';
/** The most of a receiver's answer that is read; the status is all that matters. */
export const MAX_RESPONSE_BYTES = 16 * 1024;

export interface DeliveryTuning {
  attempts: number;
  baseMs: number;
  timeoutMs: number;
  /** Tests: how host names resolve (default: the system resolver, guarded). */
  resolve?: Resolver;
}

export type ChannelKind = 'slack' | 'webhook' | 'email';

export interface Channel {
  /** Stable id recorded in alert_events: kind and a fingerprint of the destination (never the URL). */
  id: string;
  kind: ChannelKind;
  /** For people: kind and host. */
  label: string;
  /** `eventId`: stable per event and channel (eventId()); the webhook sends it as X-Claude-Ingest-Event. */
  send(event: AlertEvent, ctx: RenderContext, eventId: string): Promise<void>;
}

/** The delivery id of one event on one channel: the same in every run, so a retried webhook can be recognised. */
export function eventId(eventKey: string, channelId: string): string {
  return `evt_${createHash('sha256').update(`${eventKey}\u0000${channelId}`).digest('hex').slice(0, 32)}`;
}

export class DeliveryError extends AppError {
  readonly exitCode: ExitCode = EXIT.failed;
  readonly httpStatus: number = HTTP.badGateway;
}

const fingerprint = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'unknown host';
  }
}

/** HMAC-SHA256 of the exact body bytes, hex: `sha256=<hex>` (the GitHub convention receivers know). */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** One POST: the status of the answer, after reading at most MAX_RESPONSE_BYTES of it. */
function postOnce(url: URL, body: string, headers: Record<string, string>, tuning: DeliveryTuning, allowPrivate: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const done = (err: Error | null, status?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(status!);
    };
    const req = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        lookup: guardedLookup(allowPrivate, tuning.resolve) as never,
        // A fresh connection per delivery: nothing is pooled towards a receiver.
        agent: false,
      },
      (res: IncomingMessage) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) {
            res.destroy();
            done(null, res.statusCode ?? 0);
          }
        });
        res.on('end', () => done(null, res.statusCode ?? 0));
        res.on('error', () => done(null, res.statusCode ?? 0));
      },
    );
    // One deadline for the whole attempt: connect, send, answer.
    const timer = setTimeout(() => {
      req.destroy();
      done(new DeliveryError(`no answer within ${tuning.timeoutMs} ms`));
    }, tuning.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EDESTINATION') done(new NoRetry(new DeliveryError(`${err.message} (set allow_private_network: true on this channel if the receiver really lives there)`)));
      else done(new DeliveryError(`connection failed (${err.code ?? err.name})`));
    });
    req.end(body);
  });
}

async function postJson(url: string, body: string, headers: Record<string, string>, tuning: DeliveryTuning, allowPrivate: boolean): Promise<void> {
  // Checked again here (the config checks it too): nothing is looked up or sent to a refused URL.
  const problem = destinationProblem(url, allowPrivate);
  if (problem) throw new DeliveryError(`refused before sending: ${problem}`);
  const target = new URL(url);
  await withRetry(tuning, async () => {
    const status = await postOnce(target, body, headers, tuning, allowPrivate);
    if (status >= 200 && status < 300) return;
    if (status >= 500 || status === 429) throw new DeliveryError(`HTTP ${status}`);
    if (status >= 300 && status < 400) throw new NoRetry(new DeliveryError(`HTTP ${status} redirect (not followed, the signed body stays with the configured host: set the final URL)`));
    throw new NoRetry(new DeliveryError(`HTTP ${status} (not retried: check the URL and the receiver)`));
  });
}

async function withRetry(tuning: DeliveryTuning, fn: () => Promise<void>): Promise<void> {
  try {
    await retry(fn, { attempts: tuning.attempts, firstWaitMs: tuning.baseMs });
  } catch (err) {
    throw err instanceof DeliveryError ? err : new DeliveryError((err as Error).message);
  }
}

export function createChannel(cfg: NotifyConfig, tuning: DeliveryTuning): Channel {
  if (cfg.slack) {
    const url = cfg.slack.webhook_url;
    const allowPrivate = cfg.slack.allow_private_network;
    return {
      id: `slack:${fingerprint(url)}`,
      kind: 'slack',
      label: `slack (${host(url)})`,
      send: (e, ctx) => postJson(url, JSON.stringify(renderSlack(e, ctx)), {}, tuning, allowPrivate),
    };
  }
  if (cfg.webhook) {
    const { url, secret, allow_private_network: allowPrivate } = cfg.webhook;
    return {
      id: `webhook:${fingerprint(url)}`,
      kind: 'webhook',
      label: `webhook (${host(url)})`,
      send: (e, ctx, id) => {
        const body = JSON.stringify(renderWebhook(e, ctx, new Date().toISOString()));
        return postJson(url, body, { [EVENT_HEADER]: id, ...(secret ? { [SIGNATURE_HEADER]: signBody(secret, body) } : {}) }, tuning, allowPrivate);
      },
    };
  }
  const mail = cfg.email!;
  return {
    id: `email:${fingerprint(`${mail.smtp_url}|${mail.to.join(',')}`)}`,
    kind: 'email',
    label: `email (${mail.to.join(', ')})`,
    send: async (e, ctx) => {
      // Loaded when a mail is sent, not when any command starts (about 0.1 s of module loading).
      const { default: nodemailer } = await import('nodemailer');
      const transport = nodemailer.createTransport(mail.smtp_url, {
        connectionTimeout: tuning.timeoutMs,
        greetingTimeout: tuning.timeoutMs,
        socketTimeout: tuning.timeoutMs,
      } as Parameters<typeof createTransport>[1]);
      try {
        const m = renderEmail(e, ctx);
        await withRetry(tuning, async () => {
          try {
            await transport.sendMail({ from: mail.from, to: mail.to, subject: m.subject, text: m.text, html: m.html });
          } catch (err) {
            const x = err as Error & { responseCode?: number; code?: string };
            const why = x.responseCode ? `SMTP ${x.responseCode}` : `SMTP ${x.code ?? 'error'}`;
            // 5xx replies are permanent by SMTP's own definition; 4xx and transport errors are transient.
            if (x.responseCode && x.responseCode >= 500) throw new NoRetry(new DeliveryError(`${why} (not retried)`));
            throw new DeliveryError(why);
          }
        });
      } finally {
        transport.close();
      }
    },
  };
}
