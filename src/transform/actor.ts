/**
 * Actor identity. An actor is stored as (actor_type as sent, actor_id): the identifying field of a
 * known actor type, or for a shape this version does not know (or a known type missing its field) a
 * stable id derived from the whole actor object. Distinct actors therefore never share an actor_id,
 * and nothing is stored under a shared placeholder.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../util/canonical-json.js';

type Loose = Record<string, unknown>;

/** The field that identifies each known actor type, in order of preference. */
const IDENTIFYING_FIELDS: Readonly<Record<string, readonly string[]>> = {
  user_actor: ['email_address', 'user_id'],
  api_actor: ['api_key_name', 'api_key_id'],
  service_account_actor: ['service_account_id'],
  federated_actor: ['subject'],
};

export interface ActorIdentity {
  actorType: string;
  actorId: string;
  /** The identifying field used, or null when the id was derived from the whole object. */
  field: string | null;
}

export function actorIdentity(actor: Loose): ActorIdentity {
  const actorType = typeof actor.type === 'string' && actor.type !== '' ? actor.type : 'unknown_actor';
  for (const field of IDENTIFYING_FIELDS[actorType] ?? []) {
    const v = actor[field];
    if (typeof v === 'string' && v !== '') return { actorType, actorId: v, field };
  }
  // "#" and 32 hex digits of SHA-256: no email, id or key name anyone chose will equal it by accident.
  const digest = createHash('sha256').update(canonicalJson(actor)).digest('hex').slice(0, 32);
  return { actorType, actorId: `#${digest}`, field: null };
}
