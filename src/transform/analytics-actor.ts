/**
 * Actor identity for the analytics endpoints, whose actors differ from the Claude Code report's: a
 * user carries user_id and a nullable email, a key actor its api_key_id, a federated identity a
 * nullable subject and its provider. Every actor type in the contract gets a stable actor_id; a
 * shape this version does not know falls back to transform/actor.ts (a digest of the whole object).
 * A user is keyed by user_id, which is always set: the email is the *current* one (it changes, and
 * reads null once the account is deleted), so keying on it would split one person in two.
 */
import type { AnalyticsActor } from '../source/analytics-schemas.js';
import { canonicalJson } from '../util/canonical-json.js';
import { actorIdentity } from './actor.js';
import { unmappedFields, type FieldSpec } from './extra.js';

type Loose = Record<string, unknown>;

export interface AnalyticsActorColumns {
  actor_type: string | null;
  actor_id: string | null;
  actor_email: string | null;
  actor_name: string | null;
  actor_deleted: boolean | null;
  /** The actor's fields no column holds (e.g. a user's user_id when the email is the id), or null. */
  extra: Loose | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** What each known type's columns hold, by the field its id came from. */
const SPECS: Record<string, FieldSpec> = {
  'user_actor:email_address': { type: true, email_address: true, name: true, deleted: true },
  'user_actor:user_id': { type: true, user_id: true, email_address: true, name: true, deleted: true },
  'service_account_actor:service_account_id': { type: true, service_account_id: true },
  'federated_actor:subject': { type: true, subject: true },
  'federated_actor:provider': { type: true, subject: true, provider: true },
  'api_actor:api_key_id': { type: true, api_key_id: true },
};

const NO_ACTOR: AnalyticsActorColumns = { actor_type: null, actor_id: null, actor_email: null, actor_name: null, actor_deleted: null, extra: null };

function idOf(a: Loose): { id: string; field: string } | null {
  switch (a.type) {
    case 'user_actor': {
      const user = str(a.user_id);
      if (user) return { id: user, field: 'user_id' };
      // Only a shape without user_id (not the documented one) falls back to the email.
      const email = str(a.email_address);
      return email ? { id: email, field: 'email_address' } : null;
    }
    case 'service_account_actor': {
      const id = str(a.service_account_id);
      return id ? { id, field: 'service_account_id' } : null;
    }
    case 'federated_actor': {
      const subject = str(a.subject);
      if (subject) return { id: subject, field: 'subject' };
      const p = a.provider;
      return p !== null && typeof p === 'object' ? { id: canonicalJson(p), field: 'provider' } : null;
    }
    case 'api_actor': {
      const id = str(a.api_key_id);
      return id ? { id, field: 'api_key_id' } : null;
    }
    default:
      return null;
  }
}

export function analyticsActor(actor: AnalyticsActor | null): AnalyticsActorColumns {
  if (actor === null) return NO_ACTOR;
  const known = idOf(actor);
  const isUser = actor.type === 'user_actor';
  const email = isUser ? str(actor.email_address) : null;
  const name = isUser ? str(actor.name) : null;
  const deleted = isUser ? (typeof actor.deleted === 'boolean' ? actor.deleted : null) : null;
  if (known) {
    return { actor_type: actor.type, actor_id: known.id, actor_email: email, actor_name: name, actor_deleted: deleted, extra: unmappedFields(actor, SPECS[`${actor.type}:${known.field}`]!) };
  }
  // Unknown type, or a known type without its identifying field: the whole object is kept and digested.
  const fallback = actorIdentity(actor);
  return { actor_type: fallback.actorType, actor_id: fallback.actorId, actor_email: email, actor_name: name, actor_deleted: deleted, extra: unmappedFields(actor, { type: true }) };
}
