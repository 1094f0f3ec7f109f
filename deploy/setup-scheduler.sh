#!/usr/bin/env bash
# Schedules the Cloud Run Job (default daily 06:00 America/Los_Angeles) through its :run endpoint,
# authenticated as the job's service account. Safe to re-run: updates the schedule in place.
set -euo pipefail
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"
require_cmd gcloud
SCHEDULER_JOB="${SCHEDULER_JOB:-${JOB_NAME}-daily}"
require_match SCHEDULER_JOB "$SCHEDULER_JOB" '^[A-Za-z0-9_-]{1,500}$' 'letters, digits, - and _'

gcloud run jobs describe "$JOB_NAME" --region "$REGION" --project "$PROJECT_ID" >/dev/null 2>&1 \
  || die "Cloud Run job ${JOB_NAME} does not exist in ${REGION}: run deploy/deploy.sh first"

log "granting roles/run.invoker on job ${JOB_NAME} only, to ${SA_EMAIL}"
run gcloud run jobs add-iam-policy-binding "$JOB_NAME" --region "$REGION" --project "$PROJECT_ID" \
  --member "serviceAccount:${SA_EMAIL}" --role roles/run.invoker >/dev/null

URI="https://run.googleapis.com/v2/projects/${PROJECT_ID}/locations/${REGION}/jobs/${JOB_NAME}:run"
common=(--project "$PROJECT_ID" --location "$REGION" --schedule "$SCHEDULE" --time-zone "$TIME_ZONE"
  --uri "$URI" --http-method POST --oauth-service-account-email "$SA_EMAIL"
  --oauth-token-scope https://www.googleapis.com/auth/cloud-platform --attempt-deadline 180s)
if gcloud scheduler jobs describe "$SCHEDULER_JOB" --location "$REGION" --project "$PROJECT_ID" >/dev/null 2>&1; then
  log "updating scheduler job ${SCHEDULER_JOB}: '${SCHEDULE}' ${TIME_ZONE}"
  run gcloud scheduler jobs update http "$SCHEDULER_JOB" "${common[@]}"
else
  log "creating scheduler job ${SCHEDULER_JOB}: '${SCHEDULE}' ${TIME_ZONE}"
  run gcloud scheduler jobs create http "$SCHEDULER_JOB" "${common[@]}"
fi
log "scheduled; trigger it once now with: gcloud scheduler jobs run ${SCHEDULER_JOB} --location ${REGION} --project ${PROJECT_ID}"
