/**
 * What an allocation rule may match on, in the order docs/allocation.md lists them. Its own module,
 * free of zod: the allocation rules' reader needs the list, and a command run without a config file
 * must not load the config schema (load.ts says why).
 */
export const ALLOCATION_MATCH_KEYS = ['api_key', 'workspace', 'user', 'service_account', 'product', 'model', 'cost_type'] as const;
