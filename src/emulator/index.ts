/** The built-in Admin API emulator: a faithful, deterministic stand-in for api.anthropic.com's Admin API. */
export { EMULATOR_ADMIN_KEY, startEmulator } from './server.js';
export { ORG_SHAPES } from './catalog.js';
export { TRANSIENT_FAULTS } from './faults.js';
export type {
  ClaudeCodeTotals,
  Emulator,
  EmulatorHold,
  EmulatorOptions,
  EmulatorStats,
  EndpointKey,
  FaultKind,
  FaultRule,
  GroundTruth,
  MinutePeak,
  OrgShape,
  OrgSize,
  RateLimitOptions,
  TokenTotals,
} from './types.js';
