#!/usr/bin/env bash
# Runs the deployed job once as a backfill from FROM (YYYY-MM-DD), overriding its arguments for
# this execution only. Re-running is safe: windows already complete are skipped, others replaced.
#   FROM=2025-01-01 PROJECT_ID=my-project ./deploy/backfill.sh
set -euo pipefail
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"
require_cmd gcloud
FROM="${FROM:-}"
[[ -n "$FROM" ]] || die 'FROM is required, e.g. FROM=2025-01-01'
require_match FROM "$FROM" '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' 'a day as YYYY-MM-DD'
ARGS="backfill,--from,${FROM}"
if [[ -n "${TO:-}" ]]; then
  require_match TO "$TO" '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' 'a day as YYYY-MM-DD'
  ARGS="${ARGS},--to,${TO}"
fi
log "executing ${JOB_NAME} once with args ${ARGS} (waits for it to finish)"
run gcloud run jobs execute "$JOB_NAME" --region "$REGION" --project "$PROJECT_ID" --args "$ARGS" --wait
