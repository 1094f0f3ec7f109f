#!/usr/bin/env bash
# Syntax-checks and lints every deploy script. Fails if shellcheck is missing rather than passing
# vacuously (CI installs it with apt-get install -y shellcheck).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v shellcheck >/dev/null 2>&1 || { echo 'error: shellcheck is not installed (apt-get install -y shellcheck)' >&2; exit 1; }
status=0
scripts=(deploy/*.sh)
for f in "${scripts[@]}"; do
  bash -n "$f" || status=1
  shellcheck -x "$f" || status=1
done
[[ $status -eq 0 ]] && echo "deploy scripts OK (${#scripts[@]} checked)"
exit "$status"
