#!/usr/bin/env bash
# Creates the job's own service account and grants it the least it needs: write access to one
# dataset, the right to run query/load jobs, and read access to the admin key secret(s) only
# (ADMIN_KEY_SECRETS; deploy.sh grants the config secret it creates). Safe to re-run.
set -euo pipefail
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=deploy/keys.sh
source "$(dirname "$0")/keys.sh"
require_cmd gcloud
require_cmd bq

if gcloud iam service-accounts describe "$SA_EMAIL" --project "$PROJECT_ID" >/dev/null 2>&1; then
  log "service account $SA_EMAIL exists"
else
  log "creating service account $SA_EMAIL"
  run gcloud iam service-accounts create "$SA_NAME" --project "$PROJECT_ID" \
    --display-name 'claude-ingest (Anthropic usage to BigQuery)'
fi

# The warehouse creates its tables on first run, so the dataset must exist for a dataset-level grant.
if bq --project_id "$PROJECT_ID" show --format=none "${PROJECT_ID}:${DATASET}" >/dev/null 2>&1; then
  log "dataset ${PROJECT_ID}:${DATASET} exists"
else
  log "creating dataset ${PROJECT_ID}:${DATASET} in ${BQ_LOCATION}"
  run bq --project_id "$PROJECT_ID" --location "$BQ_LOCATION" mk --dataset \
    --description 'Anthropic usage and cost data, written by claude-ingest.' "${PROJECT_ID}:${DATASET}"
fi

log "granting roles/bigquery.dataEditor on dataset ${DATASET} only"
run bq --project_id "$PROJECT_ID" add-iam-policy-binding \
  --member "serviceAccount:${SA_EMAIL}" --role roles/bigquery.dataEditor "${PROJECT_ID}:${DATASET}" >/dev/null

log 'granting roles/bigquery.jobUser on the project (jobs are project-scoped; data access is not)'
run gcloud projects add-iam-policy-binding "$PROJECT_ID" \
  --member "serviceAccount:${SA_EMAIL}" --role roles/bigquery.jobUser --condition None >/dev/null

# One secret per organization's admin key (ADMIN_KEY_SECRETS, default SECRET_NAME), and the alert
# channels' URLs (ALERT_SECRETS).
ALERT_SECRET_NAMES=()
for entry in "${ALERT_ENV[@]}"; do ALERT_SECRET_NAMES+=("${entry#*=}"); done
for secret in "${KEY_SECRETS[@]}" "${ALERT_SECRET_NAMES[@]}"; do
  if gcloud secrets describe "$secret" --project "$PROJECT_ID" >/dev/null 2>&1; then
    log "granting roles/secretmanager.secretAccessor on secret ${secret} only"
    run gcloud secrets add-iam-policy-binding "$secret" --project "$PROJECT_ID" \
      --member "serviceAccount:${SA_EMAIL}" --role roles/secretmanager.secretAccessor >/dev/null
  else
    log "secret ${secret} does not exist yet: run SECRET_NAME=${secret} deploy/setup-secret.sh, then re-run this script"
  fi
done
log 'IAM is set up'
