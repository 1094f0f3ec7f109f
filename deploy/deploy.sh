#!/usr/bin/env bash
# Builds the image with Cloud Build from deploy/Dockerfile and creates or updates the Cloud Run Job.
# Safe to re-run: each run deploys a new image and updates the job in place. Several organizations:
# ADMIN_KEY_SECRETS=prod-key,research-key (see keys.sh and docs/deployment.md).
set -euo pipefail
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=deploy/keys.sh
source "$(dirname "$0")/keys.sh"
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

for secret in "${KEY_SECRETS[@]}"; do
  gcloud secrets describe "$secret" --project "$PROJECT_ID" >/dev/null 2>&1 \
    || die "secret ${secret} does not exist: store its key with SECRET_NAME=${secret} ./deploy/setup-secret.sh, then run ./deploy/setup-iam.sh"
done

ENV_VARS="CLAUDE_INGEST_WAREHOUSE=${WAREHOUSE_URL}"
if needs_config; then
  # Several organizations: the job reads claude-ingest.yaml, each key from its own variable.
  if gcloud secrets describe "$CONFIG_SECRET" --project "$PROJECT_ID" >/dev/null 2>&1; then
    log "secret ${CONFIG_SECRET} exists: adding the config as a new version"
  else
    log "creating secret ${CONFIG_SECRET} for claude-ingest.yaml"
    run gcloud secrets create "$CONFIG_SECRET" --project "$PROJECT_ID" --replication-policy automatic
  fi
  job_config | run gcloud secrets versions add "$CONFIG_SECRET" --project "$PROJECT_ID" --data-file -
  run gcloud secrets add-iam-policy-binding "$CONFIG_SECRET" --project "$PROJECT_ID" \
    --member "serviceAccount:${SA_EMAIL}" --role roles/secretmanager.secretAccessor >/dev/null
  ENV_VARS+=",CLAUDE_INGEST_CONFIG=${CONFIG_MOUNT}"
  for i in "${!KEY_SECRETS[@]}"; do
    log "organization ${KEY_NAMES[$i]:-(name from the API)}: key from secret ${KEY_SECRETS[$i]} in \$$(key_env "${KEY_SECRETS[$i]}")"
  done
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
  --set-secrets "$(key_secret_flags)" \
  --set-env-vars "$ENV_VARS" \
  --args "$(job_args)" \
  --task-timeout "$TASK_TIMEOUT" \
  --max-retries 1 \
  --tasks 1 \
  --memory "$MEMORY" \
  --cpu 1
log "deployed ${IMAGE}@${DIGEST}; run it now with: gcloud run jobs execute ${JOB_NAME} --region ${REGION} --project ${PROJECT_ID} --wait"
