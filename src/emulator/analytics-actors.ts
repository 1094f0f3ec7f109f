/**
 * Who and what the Usage and Cost Analytics API attributes spend to: actors (users, service accounts,
 * federated identities, API keys) and products. Derived from the organization with their own random
 * streams, so adding them leaves every existing draw of org.ts (and so every legacy report) unchanged.
 */
import { hash32, Rng } from './prng.js';
import type { Org } from './org.js';

export const ANALYTICS_PRODUCTS = [
  'chat', 'chat_cowork_unified', 'claude_code', 'claude_console', 'claude_design', 'claude_in_chrome', 'claude_tag',
  'cowork', 'managed_agents_api', 'message_batches_api', 'messages_api', 'office_agent',
] as const;
export type Product = (typeof ANALYTICS_PRODUCTS)[number];
export const productIndex = (p: Product): number => ANALYTICS_PRODUCTS.indexOf(p);

export const ACTOR_TYPES = ['user_actor', 'service_account_actor', 'federated_actor', 'api_actor'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export type ActorJson =
  | { type: 'user_actor'; user_id: string; email_address: string | null; name: string | null; deleted: boolean }
  | { type: 'service_account_actor'; service_account_id: string }
  | { type: 'federated_actor'; subject: string | null; provider: Record<string, string> }
  | { type: 'api_actor'; api_key_id: string };

export interface Actor {
  type: ActorType;
  json: ActorJson;
  /** `${type}|${id}`: the ground truth's key, and what `actor_ids[]` matches (after the `|`). */
  key: string;
}

export interface AnalyticsCast {
  actors: Actor[];
  /** Index into actors of org.users[i] as a user actor. */
  userActor: number[];
  /** Users no longer in the organization: they never appear in /users but keep their past spend. */
  deletedUsers: number[];
  serviceAccountActor: number[];
  federatedActor: number[];
  apiKeyActor: number[];
  /** Per API key: the actor its requests are attributed to (a key can authenticate a user or a workload). */
  keyActor: number[];
  /** Per API key: its product when not batch (coding-assistant keys are Claude Code used through the API). */
  keyProduct: number[];
  /** The default workspace has an id in this API for a Console organization (the legacy reports say null). */
  defaultWorkspaceId: string;
}

const cache = new WeakMap<Org, AnalyticsCast>();

export function analyticsCast(org: Org, seed: number): AnalyticsCast {
  let cast = cache.get(org);
  if (!cast) cache.set(org, (cast = buildCast(org, seed)));
  return cast;
}

function actorKey(json: ActorJson): string {
  switch (json.type) {
    case 'user_actor':
      return `user_actor|${json.user_id}`;
    case 'service_account_actor':
      return `service_account_actor|${json.service_account_id}`;
    case 'federated_actor':
      return `federated_actor|${json.subject ?? JSON.stringify(json.provider)}`;
    case 'api_actor':
      return `api_actor|${json.api_key_id}`;
  }
}

function buildCast(org: Org, seed: number): AnalyticsCast {
  const rng = new Rng(`analytics-cast|${seed}`);
  const actors: Actor[] = [];
  const add = (json: ActorJson) => actors.push({ type: json.type, json, key: actorKey(json) }) - 1;

  const userActor = org.users.map((u) => add({ type: 'user_actor', user_id: u.id, email_address: u.email, name: u.name, deleted: false }));
  // One deleted account the API no longer names, and one former member it still names (both documented).
  const deletedUsers = [
    add({ type: 'user_actor', user_id: `user_01${rng.id(22)}`, email_address: null, name: 'Deleted User', deleted: true }),
    add({ type: 'user_actor', user_id: `user_01${rng.id(22)}`, email_address: 'former.member@example.com', name: 'Former Member', deleted: true }),
  ];
  const serviceAccountActor = org.serviceAccounts.map((id) => add({ type: 'service_account_actor', service_account_id: id }));
  const account = String(100_000_000_000 + rng.int(900_000_000_000));
  const project = `proj-${rng.id(6).toLowerCase()}`;
  // Provider fields are a guess: the reference names the variants (aws, gcp, ...) but not their fields here.
  const federatedActor = [
    add({ type: 'federated_actor', subject: `arn:aws:iam::${account}:role/claude-batch`, provider: { type: 'aws', account_id: account } }),
    add({ type: 'federated_actor', subject: `serviceAccount:ingest@${project}.iam.gserviceaccount.com`, provider: { type: 'gcp', project_id: project } }),
    // A provider that asserts no subject: the provider itself is the actor.
    add({ type: 'federated_actor', subject: null, provider: { type: 'oidc', issuer: 'https://token.actions.githubusercontent.com' } }),
  ];
  const apiKeyActor = org.apiKeys.map((k) => add({ type: 'api_actor', api_key_id: k.id }));

  const keyActor = org.apiKeys.map((k, i) => {
    if (k.serviceAccount >= 0) return serviceAccountActor[k.serviceAccount]!;
    const h = hash32(`analytics-key-actor|${seed}|${k.id}`) % 20;
    if (i === 0 || h >= 11) return apiKeyActor[i]!;
    if (h < 8) return userActor[k.createdBy]!;
    if (h < 10) return federatedActor[h % federatedActor.length]!;
    return deletedUsers[0]!;
  });
  const coding = /codegen|copilot/;
  const keyProduct = org.apiKeys.map((k) => productIndex(coding.test(k.name) ? 'claude_code' : 'messages_api'));
  const defaultWorkspaceId = `wrkspc_01${new Rng(`analytics-default-ws|${seed}`).id(22)}`;

  return { actors, userActor, deletedUsers, serviceAccountActor, federatedActor, apiKeyActor, keyActor, keyProduct, defaultWorkspaceId };
}
