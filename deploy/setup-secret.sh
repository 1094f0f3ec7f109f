#!/usr/bin/env bash
# Stores the Anthropic Admin API key in Secret Manager. The key is read from standard input only,
# never from arguments, so it cannot end up in shell history or `ps`. Re-running adds a new version.
#   printf '%s' "$KEY" | PROJECT_ID=my-project ./deploy/setup-secret.sh     (or run it and paste)
set -euo pipefail
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"
require_cmd gcloud
[[ $# -eq 0 ]] || die 'pass the key on standard input, never as an argument'

if [[ -t 0 ]]; then
  printf 'Paste the Anthropic Admin API key (input hidden), then press Enter: ' >&2
  IFS= read -rs key
  printf '\n' >&2
else
  IFS= read -r key || [[ -n "${key:-}" ]]
fi
key="${key%$'\r'}"
[[ -n "$key" ]] || die 'no key on standard input'
[[ "$key" == sk-ant-admin* ]] || die 'that is not an Admin API key (they start with sk-ant-admin); a normal API key cannot read usage reports'

if gcloud secrets describe "$SECRET_NAME" --project "$PROJECT_ID" >/dev/null 2>&1; then
  log "secret ${SECRET_NAME} exists: adding a new version"
else
  log "creating secret ${SECRET_NAME}"
  run gcloud secrets create "$SECRET_NAME" --project "$PROJECT_ID" --replication-policy automatic
fi
printf '%s' "$key" | run gcloud secrets versions add "$SECRET_NAME" --project "$PROJECT_ID" --data-file -
unset key
log "stored; the job reads ${SECRET_NAME}:latest on its next execution"
