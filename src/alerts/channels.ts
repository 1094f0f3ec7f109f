/**
 * Delivery channels. Each attempt has a timeout; a 5xx, a timeout or a network error is retried with
 * backoff (p-retry), a 4xx is not (it will not fix itself within a run). Error messages never carry
 * the destination URL or a secret: the caller also scrubs every value read from the environment.
 */
import { createHash, createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import pRetry, { AbortError } from 'p-retry';
import type { NotifyConfig } from '../config/schema.js';
import { AppError, EXIT, HTTP, type ExitCode } from '../util/errors.js';
import { renderEmail, renderSlack, renderWebhook, type RenderContext } from './render.js';
import type { AlertEvent } from './types.js';

export const SIGNATURE_HEADER = 'X-Claude-Ingest-Signature';

export interface DeliveryTuning {
  attempts: number;
  baseMs: number;
  timeoutMs: number;
}

export interface Channel {
  /** Stable id recorded in alert_events: kind and a fingerprint of the destination (never the URL). */
  id: string;
  /** For people: kind and host. */
  label: string;
  send(event: AlertEvent, ctx: RenderContext): Promise<void>;
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

async function postJson(url: string, body: string, headers: Record<string, string>, tuning: DeliveryTuning): Promise<void> {
  await withRetry(tuning, async () => {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(tuning.timeoutMs) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      throw new DeliveryError(e.name === 'TimeoutError' ? `no answer within ${tuning.timeoutMs} ms` : `connection failed (${e.cause?.code ?? e.name})`);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 500 || res.status === 429) throw new DeliveryError(`HTTP ${res.status}`);
    if (res.status >= 400) throw new AbortError(new DeliveryError(`HTTP ${res.status} (not retried: check the URL and the receiver)`));
  });
}

async function withRetry(tuning: DeliveryTuning, fn: () => Promise<void>): Promise<void> {
  try {
    await pRetry(fn, { retries: Math.max(0, tuning.attempts - 1), minTimeout: tuning.baseMs, factor: 2, randomize: true });
  } catch (err) {
    const e = err instanceof AbortError ? err.originalError : err;
    throw e instanceof DeliveryError ? e : new DeliveryError((e as Error).message);
  }
}

export function createChannel(cfg: NotifyConfig, tuning: DeliveryTuning): Channel {
  if (cfg.slack) {
    const url = cfg.slack.webhook_url;
    return {
      id: `slack:${fingerprint(url)}`,
      label: `slack (${host(url)})`,
      send: (e, ctx) => postJson(url, JSON.stringify(renderSlack(e, ctx)), {}, tuning),
    };
  }
  if (cfg.webhook) {
    const { url, secret } = cfg.webhook;
    return {
      id: `webhook:${fingerprint(url)}`,
      label: `webhook (${host(url)})`,
      send: (e, ctx) => {
        const body = JSON.stringify(renderWebhook(e, ctx, new Date().toISOString()));
        return postJson(url, body, secret ? { [SIGNATURE_HEADER]: signBody(secret, body) } : {}, tuning);
      },
    };
  }
  const mail = cfg.email!;
  return {
    id: `email:${fingerprint(`${mail.smtp_url}|${mail.to.join(',')}`)}`,
    label: `email (${mail.to.join(', ')})`,
    send: async (e, ctx) => {
      const transport = nodemailer.createTransport(mail.smtp_url, {
        connectionTimeout: tuning.timeoutMs,
        greetingTimeout: tuning.timeoutMs,
        socketTimeout: tuning.timeoutMs,
      } as Parameters<typeof nodemailer.createTransport>[1]);
      try {
        const m = renderEmail(e, ctx);
        await withRetry(tuning, async () => {
          try {
            await transport.sendMail({ from: mail.from, to: mail.to, subject: m.subject, text: m.text, html: m.html });
          } catch (err) {
            const x = err as Error & { responseCode?: number; code?: string };
            const why = x.responseCode ? `SMTP ${x.responseCode}` : `SMTP ${x.code ?? 'error'}`;
            // 5xx replies are permanent by SMTP's own definition; 4xx and transport errors are transient.
            if (x.responseCode && x.responseCode >= 500) throw new AbortError(new DeliveryError(`${why} (not retried)`));
            throw new DeliveryError(why);
          }
        });
      } finally {
        transport.close();
      }
    },
  };
}
