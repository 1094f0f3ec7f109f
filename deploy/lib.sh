#!/usr/bin/env bash
# Shared helpers for the deploy scripts: sourced, never run. Settings come from the environment with
# validated defaults so every script agrees on names.
set -euo pipefail

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Echo a command, then run it: the operator sees every change made to their project.
run() {
  printf '+ %s\n' "$*" >&2
  "$@"
}

require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed (see docs/deployment.md, prerequisites)"
}

# require_match NAME VALUE REGEX HINT
require_match() {
  [[ "$2" =~ $3 ]] || die "$1=\"$2\" is not valid: $4"
}

: "${PROJECT_ID:=}"
[[ -n "$PROJECT_ID" ]] || die 'PROJECT_ID is required, e.g. PROJECT_ID=my-project ./deploy/deploy.sh'
REGION="${REGION:-us-central1}"
DATASET="${DATASET:-claude_usage}"
JOB_NAME="${JOB_NAME:-claude-ingest}"
SA_NAME="${SA_NAME:-claude-ingest}"
SECRET_NAME="${SECRET_NAME:-anthropic-admin-key}"
SCHEDULE="${SCHEDULE:-0 6 * * *}"
TIME_ZONE="${TIME_ZONE:-America/Los_Angeles}"
BQ_LOCATION="${BQ_LOCATION:-US}"
AR_REPO="${AR_REPO:-claude-ingest}"

require_match PROJECT_ID "$PROJECT_ID" '^([a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$' 'a Google Cloud project id'
require_match REGION "$REGION" '^[a-z]+-[a-z]+[0-9]+$' 'a Cloud Run region such as us-central1'
require_match DATASET "$DATASET" '^[A-Za-z0-9_]{1,1024}$' 'letters, digits and underscores only'
require_match JOB_NAME "$JOB_NAME" '^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$' 'lowercase letters, digits and hyphens'
require_match SA_NAME "$SA_NAME" '^[a-z]([a-z0-9-]{4,28}[a-z0-9])$' '6-30 lowercase letters, digits and hyphens'
require_match SECRET_NAME "$SECRET_NAME" '^[A-Za-z0-9_-]{1,255}$' 'letters, digits, - and _'
require_match SCHEDULE "$SCHEDULE" '^[^ ]+( [^ ]+){4}$' 'a five-field cron expression'
require_match TIME_ZONE "$TIME_ZONE" '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$' 'an IANA time zone such as America/Los_Angeles'
require_match BQ_LOCATION "$BQ_LOCATION" '^[A-Za-z0-9-]{2,40}$' 'a BigQuery location such as US, EU or us-central1'
require_match AR_REPO "$AR_REPO" '^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$' 'an Artifact Registry repository name'

# SA_EMAIL and IMAGE are used by the scripts that source this file.
# shellcheck disable=SC2034
SA_EMAIL="${SA_NAME}@${PROJECT_ID}.iam.gserviceaccount.com"
# shellcheck disable=SC2034
IMAGE="${REGION}-docker.pkg.dev/${PROJECT_ID}/${AR_REPO}/claude-ingest"
# shellcheck disable=SC2034
WAREHOUSE_URL="bigquery://${PROJECT_ID}/${DATASET}?location=${BQ_LOCATION}"
