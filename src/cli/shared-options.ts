/**
 * Options several commands share, declared once so that their flags, help texts and defaults cannot
 * drift apart. Each returns a fresh commander Option (an Option belongs to one command); the typed
 * Option of @commander-js/extra-typings keeps `opts()` typed where it is added.
 */
import { Option } from '@commander-js/extra-typings';

/** `--org` on backfill, run and retry: an organization of claude-ingest.yaml, by its name there or its id. */
export function ingestOrgOption() {
  return new Option('--org <name|id>', 'only this organization of claude-ingest.yaml (its name there, or its organization id)');
}

/** `--org` on the commands that read the warehouse; `absent` says what they do without it. */
export function warehouseOrgOption(absent: string) {
  return new Option('--org <name|id>', `only this organization (its id, or its name as the API reports it); default: ${absent}`);
}

/** `--config`: claude-ingest.yaml; `uses` names the sections the command reads. */
export function configOption(uses: string) {
  return new Option('--config <file>', `config file (${uses}; .yaml, .yml or .json); default ./claude-ingest.yaml (env CLAUDE_INGEST_CONFIG)`);
}

/** `--from` and `--to` on the reading commands, whose range defaults to the data in the warehouse. */
export function fromDayOption(absent = 'first day in the warehouse') {
  return new Option('--from <day>', `first UTC day, YYYY-MM-DD (default: ${absent})`);
}
export function toDayOption(absent = 'last day in the warehouse') {
  return new Option('--to <day>', `last UTC day, YYYY-MM-DD (default: ${absent})`);
}
