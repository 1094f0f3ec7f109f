/** Static reference data for the synthetic organization: models, prices, names, org sizes. */
import type { OrgShape, OrgSize } from './types.js';

export const ORG_SHAPES: Record<OrgSize, OrgShape> = {
  small: { workspaces: 3, apiKeys: 12, models: 4, claudeCodeUsers: 8 },
  medium: { workspaces: 12, apiKeys: 200, models: 6, claudeCodeUsers: 300 },
  large: { workspaces: 40, apiKeys: 2000, models: 10, claudeCodeUsers: 3000 },
};

export const TIERS = ['standard', 'batch', 'priority'] as const;
export const TIER_STANDARD = 0;
export const TIER_BATCH = 1;
export const TIER_PRIORITY = 2;
export const CONTEXT_WINDOWS = ['0-200k', '200k-1M'] as const;
export const GEOS = ['global', 'us', 'not_available'] as const;
export const GEO_NOT_AVAILABLE = 2;
export const SPEEDS = ['standard', 'fast'] as const;

/** Token types in the order cost lines and atoms store them. */
export const TOKEN_TYPES = [
  'uncached_input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation.ephemeral_5m_input_tokens',
  'cache_creation.ephemeral_1h_input_tokens',
] as const;
export const TOKEN_LABELS = ['Input Tokens', 'Output Tokens', 'Cache Read Tokens', 'Cache Write Tokens (5m)', 'Cache Write Tokens (1h)'];

export interface ModelInfo {
  id: string;
  display: string;
  /** Cents per million tokens, in TOKEN_TYPES order. Integers, so batch halves stay exact in nano-cents. */
  price: readonly [number, number, number, number, number];
  /** Long-context (200k-1M) price, for models that offer it. */
  longPrice?: readonly [number, number, number, number, number];
  /** Newer models report inference_geo; older ones say not_available. */
  geo: boolean;
  /** Relative popularity when keys pick their models. */
  weight: number;
}

const OPUS4 = [1500, 7500, 150, 1875, 3000] as const;
const SONNET = [300, 1500, 30, 375, 600] as const;
const SONNET_LONG = [600, 2250, 60, 750, 1200] as const;

/** The first `shape.models` entries are the org's models, so the order is by how common they are. */
export const MODELS: readonly ModelInfo[] = [
  { id: 'claude-sonnet-4-5-20250929', display: 'Claude Sonnet 4.5', price: SONNET, longPrice: SONNET_LONG, geo: true, weight: 10 },
  { id: 'claude-haiku-4-5-20251001', display: 'Claude Haiku 4.5', price: [100, 500, 10, 125, 200], geo: true, weight: 6 },
  { id: 'claude-opus-4-1-20250805', display: 'Claude Opus 4.1', price: OPUS4, geo: true, weight: 2 },
  { id: 'claude-3-5-haiku-20241022', display: 'Claude Haiku 3.5', price: [80, 400, 8, 100, 160], geo: false, weight: 4 },
  { id: 'claude-sonnet-4-20250514', display: 'Claude Sonnet 4', price: SONNET, longPrice: SONNET_LONG, geo: false, weight: 5 },
  { id: 'claude-3-7-sonnet-20250219', display: 'Claude Sonnet 3.7', price: SONNET, geo: false, weight: 3 },
  { id: 'claude-opus-4-5-20251101', display: 'Claude Opus 4.5', price: [500, 2500, 50, 625, 1000], geo: true, weight: 3 },
  { id: 'claude-opus-4-20250514', display: 'Claude Opus 4', price: OPUS4, geo: false, weight: 1 },
  { id: 'claude-3-5-sonnet-20241022', display: 'Claude Sonnet 3.5', price: SONNET, geo: false, weight: 1 },
  { id: 'claude-3-haiku-20240307', display: 'Claude Haiku 3', price: [25, 125, 3, 30, 50], geo: false, weight: 1 },
];

/** 1 cent per web search ($10 per 1,000), in nano-cents. */
export const WEB_SEARCH_NANO = 1_000_000_000n;

export const WORKSPACE_NAMES = [
  'Research', 'Support Bot', 'Data Platform', 'Marketing', 'Legal Review', 'Sales Assist', 'Internal Tools',
  'Mobile App', 'Search', 'Analytics', 'Knowledge Base', 'Onboarding', 'Finance Ops', 'Security', 'Growth',
  'Recruiting', 'Docs', 'Evaluation', 'Localization', 'Partner API',
];
export const WORKSPACE_COLORS = ['#6366f1', '#f97316', '#10b981', '#ef4444', '#0ea5e9', '#a855f7', '#eab308', '#64748b'];

export const KEY_ENVS = ['prod', 'prod', 'prod', 'staging', 'dev', 'ci'];
export const KEY_PURPOSES = [
  'chatbot', 'summarizer', 'classifier', 'rag', 'agent', 'etl', 'eval', 'search', 'support', 'codegen',
  'translator', 'moderation', 'extractor', 'copilot', 'triage', 'reports',
];

export const FIRST_NAMES = [
  'ana', 'ben', 'carla', 'david', 'elif', 'farah', 'george', 'hana', 'ivan', 'julia', 'kenji', 'lena', 'mateo',
  'nora', 'omar', 'priya', 'quinn', 'rosa', 'sam', 'tara', 'umar', 'vera', 'wei', 'ximena', 'yusuf', 'zoe',
  'amir', 'beatriz', 'chen', 'dmitri', 'emma', 'felix', 'grace', 'hugo', 'ines', 'jonas', 'kira', 'liam',
];
export const LAST_NAMES = [
  'silva', 'nguyen', 'smith', 'garcia', 'kowalski', 'muller', 'rossi', 'tanaka', 'okafor', 'johansson', 'patel',
  'kim', 'dubois', 'haddad', 'novak', 'lopez', 'cohen', 'ivanova', 'santos', 'walker', 'yilmaz', 'fischer',
  'moreau', 'sato', 'mensah', 'andersen', 'reyes', 'weber', 'costa', 'brown',
];

export const USER_ROLES = ['user', 'user', 'user', 'developer', 'developer', 'claude_code_user', 'billing', 'admin'];
export const TERMINALS = ['vscode', 'iTerm.app', 'Apple_Terminal', 'cursor', 'jetbrains', 'tmux', 'ghostty', 'WarpTerminal'];
export const KNOWN_TOOLS = ['edit_tool', 'multi_edit_tool', 'write_tool', 'notebook_edit_tool'] as const;
/** Shows up now and then so clients prove they treat tool_actions as an open map. */
export const OTHER_TOOL = 'web_fetch_tool';
