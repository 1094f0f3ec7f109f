#!/usr/bin/env bash
# Builds the image with Cloud Build from deploy/Dockerfile and creates or updates the Cloud Run Job.
# Safe to re-run: each run deploys a new image and updates the job in place.
set -euo pipefail
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"
require_cmd gcloud
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TASK_TIMEOUT="${TASK_TIMEOUT:-3600s}"
MEMORY="${MEMORY:-1Gi}"
require_match TASK_TIMEOUT "$TASK_TIMEOUT" '^[0-9]+[smh]$' 'a duration such as 3600s'
require_match MEMORY "$MEMORY" '^[0-9]+(Mi|Gi)$' 'a size such as 1Gi'
TAG="${TAG:-$(date -u +%Y%m%d-%H%M%S)}"
require_match TAG "$TAG" '^[A-Za-z0-9_.-]{1,128}$' 'a Docker tag'

if gcloud artifacts repositories describe "$AR_REPO" --location "$REGION" --project "$PROJECT_ID" >/dev/null 2>&1; then
  log "Artifact Registry repository ${AR_REPO} exists"
else
  log "creating Artifact Registry repository ${AR_REPO}"
  run gcloud artifacts repositories create "$AR_REPO" --project "$PROJECT_ID" --location "$REGION" \
    --repository-format docker --description 'claude-ingest images'
fi

log "building ${IMAGE}:${TAG} with Cloud Build"
CONFIG="$(mktemp)"
trap 'rm -f "$CONFIG"' EXIT
cat >"$CONFIG" <<YAML
steps:
  - name: gcr.io/cloud-builders/docker
    args: ['build', '-f', 'deploy/Dockerfile', '-t', '${IMAGE}:${TAG}', '.']
images: ['${IMAGE}:${TAG}']
YAML
run gcloud builds submit "$ROOT" --project "$PROJECT_ID" --region "$REGION" --config "$CONFIG"

# Deploy by digest, so a rollback can name exactly what ran (docs/deployment.md, rolling back).
DIGEST="$(gcloud artifacts docker images describe "${IMAGE}:${TAG}" --project "$PROJECT_ID" --format 'value(image_summary.digest)')"
[[ -n "$DIGEST" ]] || die "could not resolve the digest of ${IMAGE}:${TAG}"
log "deploying Cloud Run job ${JOB_NAME} with ${IMAGE}@${DIGEST}"
run gcloud run jobs deploy "$JOB_NAME" --project "$PROJECT_ID" --region "$REGION" \
  --image "${IMAGE}@${DIGEST}" \
  --service-account "$SA_EMAIL" \
  --set-secrets "ANTHROPIC_ADMIN_KEY=${SECRET_NAME}:latest" \
  --set-env-vars "CLAUDE_INGEST_WAREHOUSE=${WAREHOUSE_URL}" \
  --task-timeout "$TASK_TIMEOUT" \
  --max-retries 1 \
  --tasks 1 \
  --memory "$MEMORY" \
  --cpu 1
log "deployed ${IMAGE}@${DIGEST}; run it now with: gcloud run jobs execute ${JOB_NAME} --region ${REGION} --project ${PROJECT_ID} --wait"
