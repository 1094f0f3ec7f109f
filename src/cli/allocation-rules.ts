/** The allocation rules of the config file for the commands that allocate (report, chargeback, validate, dashboard, demo). */
import { allocationRulesOfConfig } from '../config/allocation-rules.js';
import { loadConfig } from '../config/load.js';
import type { AllocationRules } from '../reports/allocation/rules.js';
import { InputError } from '../util/errors.js';
import type { CliRuntime } from './runtime.js';

/** null when the config has no `allocation:`; a bad rule or CSV is a ConfigFileError (exit 2, one line each). */
export function allocationRulesOf(rt: CliRuntime, configOption: string | undefined): AllocationRules | null {
  const loaded = loadConfig(configOption, rt.io.env);
  return allocationRulesOfConfig(loaded.config, loaded.path);
}

export function requireAllocationRules(rt: CliRuntime, configOption: string | undefined, what: string): AllocationRules {
  const rules = allocationRulesOf(rt, configOption);
  if (!rules) throw new InputError(`${what} needs allocation rules: add an allocation: section to claude-ingest.yaml (see docs/allocation.md), or pass --config FILE`);
  return rules;
}
